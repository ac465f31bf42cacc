import type { Child } from "hono/jsx";
import { isStaff, type UserRow } from "../../shared/db/schema";
import { ASSET_VERSION } from "./assets";

export interface Flash {
  kind: "ok" | "bad" | "info";
  text: string;
}

/** The page shell: header with navigation, a skip link, one stylesheet and one script. */
export function Layout(props: {
  title: string;
  user?: Pick<UserRow, "email" | "role" | "name"> | null;
  csrf?: string;
  current?: string;
  flash?: Flash | null;
  children?: Child;
}) {
  const nav = props.user
    ? [
        ["/app", "Requests"],
        ["/app/requests/new", "New request"],
        ["/app/profile", "Profile"],
        ...(isStaff(props.user.role) ? [["/app/desk", "Desk"]] : []),
        ...(props.user.role === "admin"
          ? [
              ["/app/admin", "Admin"],
              ["/app/admin/dashboard", "Dashboard"],
            ]
          : []),
      ]
    : [
        ["/auth/signin", "Sign in"],
        ["/auth/signup", "Create account"],
      ];
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} — StateX`}</title>
        <link rel="stylesheet" href={`/app/assets/portal.${ASSET_VERSION}.css`} />
        <script src={`/app/assets/portal.${ASSET_VERSION}.js`} defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="in">
            <a class="brand" href={props.user ? "/app" : "/"}>
              StateX
            </a>
            <nav aria-label="Main">
              {nav.map(([href, label]) => (
                <a href={href} aria-current={props.current === href ? "page" : undefined}>
                  {label}
                </a>
              ))}
              {props.user && props.csrf ? (
                <form method="post" action="/auth/signout">
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <button type="submit" class="secondary">
                    Sign out
                  </button>
                </form>
              ) : null}
            </nav>
          </div>
        </header>
        <main id="main">
          {props.flash ? (
            <div class={`flash ${props.flash.kind}`} role={props.flash.kind === "bad" ? "alert" : "status"}>
              {props.flash.text}
            </div>
          ) : null}
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function Badge(props: { status: string }) {
  return <span class={`badge ${props.status}`}>{props.status}</span>;
}

/** A time in the viewer's zone, readable and machine-readable. */
export function Time(props: { ms: number | null; zone?: string }) {
  if (props.ms === null) return <span class="muted">—</span>;
  const date = new Date(props.ms);
  let text: string;
  try {
    text = date.toLocaleString("en-GB", { timeZone: props.zone ?? "UTC", dateStyle: "medium", timeStyle: "short" });
  } catch {
    text = date.toISOString();
  }
  return <time datetime={date.toISOString()}>{text}</time>;
}
