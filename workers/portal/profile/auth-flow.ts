/**
 * The steps the `/auth` handlers share: the form and its fields, the rate limits, emailed
 * links sent after the answer, where to go after sign-in or a mailbox proof (never off-site),
 * and starting a session.
 */
import type { Context } from "hono";
import { z } from "zod";
import { db } from "../../../shared/db/client";
import type { TokenPurpose, UserRow } from "../../../shared/db/schema";
import { HttpProblem } from "../../../shared/http/problem";
import type { AppEnv } from "../../app-env";
import { issueToken } from "../../auth/mailbox";
import { createSession, MIN_PASSWORD_LENGTH } from "../../auth/service";
import { type AccountMailKind, sendAccountMail } from "../emails";
import { setSessionCookie } from "../session";

/** An email address as typed: trimmed, lowercased, checked. */
export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }));
/** A new password: between `MIN_PASSWORD_LENGTH` and 200 characters. */
export const passwordField = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `Use at least ${MIN_PASSWORD_LENGTH} characters.` })
  .max(200, { error: "Use at most 200 characters." });

/** The origin the request came to, for links in mail. */
export const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;
const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "local";

/** Only same-site portal paths are followed after sign-in (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/app(\/[A-Za-z0-9/_-]*)?$/.test(next) ? next : "/app";
}

/**
 * Rate limits sign-in, sign-up, link and reset requests per client IP and per address, with
 * the Workers rate-limiting binding (real under `wrangler dev` and in tests).
 */
export async function rateLimit(c: Context<AppEnv>, action: string, email?: string): Promise<void> {
  const keys = [`${action}:ip:${clientIp(c)}`, ...(email ? [`${action}:email:${email}`] : [])];
  for (const key of keys) {
    const { success } = await c.env.AUTH_LIMITER.limit({ key });
    if (!success) {
      throw new HttpProblem(
        429,
        "rate-limited",
        "Too Many Requests",
        "Too many attempts. Wait a minute and try again.",
        {
          headers: { "Retry-After": "60" },
        },
      );
    }
  }
}

/** The posted HTML form; anything else is a 400. */
export async function form(c: Context<AppEnv>): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch {
    throw new HttpProblem(400, "bad-request", "Bad Request", "Send the form as a normal HTML form post.");
  }
}

/** A text field of the form ("" when absent or a file). */
export const field = (f: FormData, name: string) => {
  const v = f.get(name);
  return typeof v === "string" ? v : "";
};

const LINK_PATHS: Record<TokenPurpose, { kind: AccountMailKind; path: string }> = {
  "verify-email": { kind: "verify", path: "/auth/verify" },
  "magic-link": { kind: "magic", path: "/auth/magic/confirm" },
  "password-reset": { kind: "reset", path: "/auth/reset/confirm" },
  "staff-invite": { kind: "staff-invite", path: "/auth/invite" },
};

/**
 * Issues an emailed link and sends it after the answer (in `waitUntil`): the answer to a
 * "send me a link" form then costs the same for an address with an account and one without,
 * and a slow or failing mail provider shows in neither.
 */
export function mailLinkLater(c: Context<AppEnv>, user: UserRow, purpose: TokenPurpose, browserHash?: string): void {
  const d = db(c.env.DB);
  const { kind, path } = LINK_PATHS[purpose];
  const log = c.get("log");
  const base = origin(c);
  c.executionCtx.waitUntil(
    (async () => {
      const token = await issueToken(d, user.id, purpose, { browserHash });
      await sendAccountMail(c.env, user.email, kind, `${base}${path}?token=${token}`, log);
    })().catch((error: unknown) => log.error("account mail not sent", { kind, error })),
  );
}

/** Where the clicker of a mailbox proof goes: to set a password when the old one was dropped. */
export const afterProof = (passwordRemoved: boolean) => (passwordRemoved ? "/app/profile?m=password-removed" : "/app");

/** Signs `userId` in and redirects to `location` (a portal path the caller chose or checked). */
export async function startSession(c: Context<AppEnv>, userId: string, location: string) {
  const { token } = await createSession(db(c.env.DB), userId, {
    userAgent: c.req.header("user-agent"),
    ip: c.req.header("cf-connecting-ip") ?? null,
  });
  setSessionCookie(c, token);
  return c.redirect(location, 303);
}
