/**
 * The portal's page kit, shared by every area (requests, profile, notifications, admin): a page
 * in the layout with its flash message, the CSRF field, the checked form body, and the small
 * readers of form values, and the table of requests the lists share.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../app-env";
import { Badge, type Flash, Layout, Time } from "./layout";
import { checkSessionCsrf } from "./session";

/** The flash messages an area shows, by the `?m=` code its redirects carry. */
export type Flashes = Record<string, Flash>;

/**
 * A page renderer for one area: the body in the layout, with `flash` or else the area's message
 * for the `?m=` code of the URL.
 */
export const pageFor =
  (flashes: Flashes) =>
  (c: Context<AppEnv>, title: string, current: string, body: Child, flash?: Flash | null, status = 200) => {
    // Own keys only: `?m=constructor` must not find Object.prototype's members.
    const code = c.req.query("m") ?? "";
    return c.html(
      <Layout
        title={title}
        user={c.get("user")}
        csrf={c.get("session")?.csrfToken}
        current={current}
        flash={flash ?? (Object.hasOwn(flashes, code) ? flashes[code] : null)}
      >
        {body}
      </Layout>,
      status as 200,
    );
  };

/** The hidden CSRF field every portal form carries. */
export function Csrf(props: { c: Context<AppEnv> }) {
  return <input type="hidden" name="_csrf" value={props.c.get("session")?.csrfToken ?? ""} />;
}

/** The form body, once its CSRF token is checked against the session's. */
export async function formOf(c: Context<AppEnv>): Promise<Record<string, string | File | (string | File)[]>> {
  const body = await c.req.parseBody({ all: true });
  checkSessionCsrf(c, body);
  return body;
}

/** A form value as a string ("" when absent or a file). */
export const str = (v: unknown) => (typeof v === "string" ? v : "");

/** A form value that may repeat, as the list of its strings. */
export const list = (v: unknown) =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : v ? [str(v)] : [];

/** `v` if it is one of `values`. */
export const pick = <T extends string>(values: readonly T[], v: string | undefined): T | undefined =>
  (values as readonly string[]).includes(v ?? "") ? (v as T) : undefined;

/** What a row of a request table needs: the rest of the row is the caller's first cell. */
interface RequestRow {
  id: string;
  status: string;
  createdAt: number;
}

/**
 * A table of requests, one per row: the caller's first cell (a link to the request and what
 * identifies it), its status badge, and when it was sent in the viewer's time zone.
 */
export function RequestTable<T extends RequestRow>(props: {
  rows: T[];
  caption?: string;
  zone?: string;
  first: (row: T) => Child;
}) {
  return (
    <table>
      {props.caption ? <caption class="skip">{props.caption}</caption> : null}
      <thead>
        <tr>
          <th scope="col">Request</th>
          <th scope="col">Status</th>
          <th scope="col" class="opt">
            Sent
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((s) => (
          <tr>
            <td>{props.first(s)}</td>
            <td>
              <Badge status={s.status} />
            </td>
            <td class="opt">
              <Time ms={s.createdAt} zone={props.zone} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** What a listed source needs (`SubmissionView["sources"]`). */
interface ListedSource {
  title: string;
  url: string;
  section: string | null;
}

/**
 * The pages of our site an answer cites, numbered as in the answer. Titles and URLs are
 * escaped by JSX; only web links become links.
 */
export function SourceList(props: { sources: ListedSource[]; data?: boolean }) {
  return (
    <ol class="sources" data-sources={props.data ? "" : undefined}>
      {props.sources.map((src) => (
        <li>
          {/^https?:\/\//i.test(src.url) ? (
            <a href={src.url} rel="noopener">
              {src.title}
            </a>
          ) : (
            src.title
          )}
          {src.section ? <span class="muted"> — {src.section}</span> : null}
        </li>
      ))}
    </ol>
  );
}
