import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { randomToken, sameSecret, sha256Hex } from "../../shared/crypto";
import { db } from "../../shared/db/client";
import { HttpProblem } from "../../shared/http/problem";
import type { AppEnv } from "../app-env";
import { SESSION_COOKIE } from "../auth/middleware";
import { resolveSession, SESSION_ABSOLUTE_MS } from "../auth/service";

/** Cookie holding the pre-sign-in CSRF token (double-submit for the sign-in/up forms). */
export const ANON_CSRF_COOKIE = "statex_csrf";
/**
 * Cookie of the browser that chose an account's password at sign-up (or signed in with it
 * before verifying): a verification link opened in this browser keeps the password.
 */
export const SIGNUP_COOKIE = "statex_signup";
const SIGNUP_COOKIE_MAX_AGE_S = 24 * 3600;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,64}$/;

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

const sameToken = sameSecret;

/**
 * The hash of this browser's sign-up cookie, setting one first when it has none. Set on every
 * sign-up answer, for a new address and a taken one alike, so the answers stay the same.
 */
export async function signupBrowserHash(c: Context<AppEnv>): Promise<string> {
  let token = getCookie(c, SIGNUP_COOKIE);
  if (!token || !TOKEN_SHAPE.test(token)) token = randomToken(32);
  setCookie(c, SIGNUP_COOKIE, token, {
    path: "/auth",
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    maxAge: SIGNUP_COOKIE_MAX_AGE_S,
  });
  return sha256Hex(token);
}

/** Whether this browser's sign-up cookie is the one `expectedHash` was made from. */
export async function isSignupBrowser(c: Context<AppEnv>, expectedHash: string | null): Promise<boolean> {
  const token = getCookie(c, SIGNUP_COOKIE);
  if (!expectedHash || !token || !TOKEN_SHAPE.test(token)) return false;
  return sameSecret(await sha256Hex(token), expectedHash);
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
  if (existing && TOKEN_SHAPE.test(existing)) return existing;
  const token = randomToken(24);
  setCookie(c, ANON_CSRF_COOKIE, token, { path: "/auth", httpOnly: true, secure: true, sameSite: "Strict" });
  return token;
}

export function checkAnonCsrf(c: Context<AppEnv>, form: FormData): void {
  const sent = form.get("_csrf");
  if (!sameToken(typeof sent === "string" ? sent : undefined, getCookie(c, ANON_CSRF_COOKIE))) throw csrfFailure();
}
