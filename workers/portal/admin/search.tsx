/**
 * The pieces the admin search pages (audit trail, request history) share: reading their query
 * string, the search box and its hint, a result's snippet, the pager, and a search text that
 * cannot be run shown as a message on the page.
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import { type Cursor, decodeCursor, encodeCursor, SearchSyntaxError } from "../../../shared/fts";
import type { AppEnv } from "../../app-env";
import { pick } from "../kit";
import type { Flash } from "../layout";

/** A query parameter, trimmed and bounded; empty means absent. */
export const param = (c: Context<AppEnv>, name: string, max = 100) =>
  c.req.query(name)?.trim().slice(0, max) || undefined;

/** A query parameter that is a readable time, else absent. */
export const timeParam = (c: Context<AppEnv>, name: string) => {
  const v = param(c, name);
  return v && !Number.isNaN(Date.parse(v)) ? v : undefined;
};

/** `?sort=newest`, else the default order (best match first with `q`). */
export const sortParam = (c: Context<AppEnv>) => pick(["newest"] as const, c.req.query("sort"));

/** The paging cursor of a portal link; a broken one is a bad search (400), like the API. */
export function cursorParam(c: Context<AppEnv>): Cursor | null {
  const token = param(c, "cursor", 200);
  return token ? decodeCursor(token) : null;
}

/** A query string of the non-empty values. */
export const queryOf = (values: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(values).flatMap(([k, v]) => (v === undefined || v === "" ? [] : [[k, String(v)]])),
  ).toString();

/** Runs a search; a search text that cannot be run becomes a flash on the page, not an error page. */
export async function attempt<T>(run: () => Promise<T>, empty: T): Promise<{ result: T; flash: Flash | null }> {
  try {
    return { result: await run(), flash: null };
  } catch (error) {
    if (error instanceof SearchSyntaxError) return { result: empty, flash: { kind: "bad", text: error.message } };
    throw error;
  }
}

/** The free-text field and the order of a search form. */
export function SearchBox(props: { id: string; value?: string; sort?: string }) {
  return (
    <>
      <div>
        <label for={`${props.id}-q`}>Search text</label>
        <input
          id={`${props.id}-q`}
          name="q"
          type="text"
          value={props.value ?? ""}
          placeholder="words, ids, addresses; prefix*"
          aria-describedby={`${props.id}-q-hint`}
        />
      </div>
      <div>
        <label for={`${props.id}-sort`}>Order</label>
        <select id={`${props.id}-sort`} name="sort">
          <option value="relevance" selected={props.sort !== "newest"}>
            Best match
          </option>
          <option value="newest" selected={props.sort === "newest"}>
            Newest
          </option>
        </select>
      </div>
    </>
  );
}

/** How the search text is read, under the form. */
export const SearchHint = (props: { id: string }) => (
  <p class="hint" id={`${props.id}-q-hint`}>
    Every word must match; end a word with * to match its start. Quotes and operators are searched as text.
  </p>
);

/** A search text that could not be run, above the results. */
export const SearchFlash = (props: { flash: Flash | null }) =>
  props.flash ? (
    <div class="flash bad" role="alert">
      {props.flash.text}
    </div>
  ) : null;

/** Snippet HTML from `snippetHtml` (escaped text, `<mark>` around matches). */
export const Snippet = (props: { html: string | null }) =>
  props.html ? <div class="muted">{raw(props.html)}</div> : null;

/** The link to the next page of results, if there is one. */
export function Pager(props: {
  href: string;
  query: Record<string, string | number | undefined>;
  next: Cursor | null;
}) {
  return (
    <div class="pager">
      <span />
      {props.next ? (
        <a href={`${props.href}?${queryOf({ ...props.query, cursor: encodeCursor(props.next) })}`}>
          {"offset" in props.next ? "More →" : "Older →"}
        </a>
      ) : (
        <span />
      )}
    </div>
  );
}
