/**
 * The portal's page kit, shared by every area (requests, profile, notifications, admin): a page
 * in the layout with its flash message, the CSRF field, the checked form body, and the small
 * readers of form values.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../app-env";
import { type Flash, Layout } from "./layout";
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
