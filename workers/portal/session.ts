import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { randomToken, timingSafeEqual } from "../../shared/crypto";
import { HttpProblem } from "../../shared/http/problem";
import { db } from "../api/submissions/repo";
import type { AppEnv } from "../app-env";
import { SESSION_COOKIE } from "../auth/middleware";
import { resolveSession, SESSION_ABSOLUTE_MS } from "../auth/service";

/** Cookie holding the pre-sign-in CSRF token (double-submit for the sign-in/up forms). */
export const ANON_CSRF_COOKIE = "statex_csrf";

export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    maxAge: Math.floor(SESSION_ABSOLUTE_MS / 1000),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
}

/** The signed-in user for a page, if any (no redirect). */
export async function currentSession(c: Context<AppEnv>) {
  const token = getCookie(c, SESSION_COOKIE);
  return token ? resolveSession(db(c.env.DB), token) : null;
}

/** Pages behind sign-in: unknown visitors go to the sign-in page and come back after. */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  const found = await currentSession(c);
  if (!found) {
    const next_ = c.req.method === "GET" ? `?next=${encodeURIComponent(c.req.path)}` : "";
    return c.redirect(`/auth/signin${next_}`, 303);
  }
  c.set("user", found.user);
  c.set("session", found.session);
  await next();
});

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("user").role !== "admin") {
    throw new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);
  }
  await next();
});

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const enc = new TextEncoder();
  return timingSafeEqual(enc.encode(a), enc.encode(b));
}

const csrfFailure = () =>
  new HttpProblem(
    403,
    "csrf",
    "Form Expired",
    "This form is missing its security token or the token is out of date. Go back, reload the page and try again.",
  );

/** Checks the `_csrf` field of a signed-in form against the session's token. */
export function checkSessionCsrf(c: Context<AppEnv>, form: FormData | Record<string, unknown>): void {
  const sent = form instanceof FormData ? form.get("_csrf") : form._csrf;
  if (!sameToken(typeof sent === "string" ? sent : undefined, c.get("session")?.csrfToken)) throw csrfFailure();
}

/** The pre-sign-in CSRF token, set as a cookie on first use. */
export function anonCsrf(c: Context<AppEnv>): string {
  const existing = getCookie(c, ANON_CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{20,64}$/.test(existing)) return existing;
  const token = randomToken(24);
  setCookie(c, ANON_CSRF_COOKIE, token, { path: "/auth", httpOnly: true, secure: true, sameSite: "Strict" });
  return token;
}

export function checkAnonCsrf(c: Context<AppEnv>, form: FormData): void {
  const sent = form.get("_csrf");
  if (!sameToken(typeof sent === "string" ? sent : undefined, getCookie(c, ANON_CSRF_COOKIE))) throw csrfFailure();
}
