import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { db } from "../../shared/db/client";
import type { Scope } from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import type { AppEnv } from "../app-env";
import { RATE_WINDOW_MS, takeRequest } from "./rate-limit";
import { parseScopes, resolveApiKey, resolveSession, touchApiKey } from "./service";

/** Name of the session cookie (`Secure; HttpOnly; SameSite=Lax`). */
export const SESSION_COOKIE = "statex_session";

/** How fresh an API key's `last_used_at` is kept. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * A user's keys together may make this many times one key's limit: a user cannot multiply
 * the limit by making keys (at most `API_KEYS_PER_USER` of them in any case).
 */
export const USER_LIMIT_PER_KEY_LIMIT = 5;

/**
 * Per-key rate limit (`API_RATE_LIMIT_PER_MINUTE`) and per-user limit (`USER_LIMIT_PER_KEY_LIMIT`
 * times that, over all the user's keys), each counted by its own RateLimiter Durable Object in
 * leases (rate-limit.ts). Every answer carries the key's `RateLimit-*` headers; past either
 * limit, 429 problem+json with `Retry-After`.
 */
async function enforceKeyRateLimit(c: Context<AppEnv>, keyId: string, userId: string): Promise<void> {
  const limit = Math.max(1, Number(c.env.API_RATE_LIMIT_PER_MINUTE) || 120);
  const verdict = await takeRequest(c.env.RATE_LIMITER, keyId, limit);
  const reset = String(Math.ceil(verdict.resetMs / 1000));
  const headers = {
    "RateLimit-Policy": `${limit};w=${RATE_WINDOW_MS / 1000}`,
    "RateLimit-Limit": String(limit),
    "RateLimit-Remaining": String(verdict.remaining),
    "RateLimit-Reset": reset,
  };
  if (!verdict.allowed) {
    throw new HttpProblem(
      429,
      "rate-limited",
      "Too Many Requests",
      `This API key may make ${limit} requests a minute. Try again in ${reset} s.`,
      { headers: { ...headers, "Retry-After": reset } },
    );
  }
  const userLimit = limit * USER_LIMIT_PER_KEY_LIMIT;
  const user = await takeRequest(c.env.RATE_LIMITER, userRateSubject(userId), userLimit);
  if (!user.allowed) {
    const userReset = String(Math.ceil(user.resetMs / 1000));
    throw new HttpProblem(
      429,
      "rate-limited",
      "Too Many Requests",
      `Your account may make ${userLimit} requests a minute over all its API keys. Try again in ${userReset} s.`,
      { headers: { ...headers, "Retry-After": userReset } },
    );
  }
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}

/** The RateLimiter object counting all of a user's keys (key ids start `key_`: no clash). */
export const userRateSubject = (userId: string) => `user:${userId}`;

/** How long an isolate refuses key lookups from an address that failed too many. */
const FAILED_LOOKUP_BLOCK_MS = 60_000;
const blockedAddresses = new Map<string, number>();

/**
 * Guessing keys costs a database read per guess (a guessed key is new to every cache), so
 * failed lookups are counted per client address by the `KEY_FAILURES` rate-limiting binding
 * (30 a minute). Past it, this isolate refuses that address's lookups of keys it does not
 * already know, for a minute, with a 429 before any database read; keys it knows still work,
 * and a client whose keys work is never counted.
 */
function refuseBlockedAddress(c: Context<AppEnv>): void {
  const ip = c.req.header("cf-connecting-ip");
  const until = ip ? blockedAddresses.get(ip) : undefined;
  if (!ip || until === undefined) return;
  if (until <= Date.now()) {
    blockedAddresses.delete(ip);
    return;
  }
  throw new HttpProblem(
    429,
    "rate-limited",
    "Too Many Requests",
    "Too many unknown API keys from this address. Try again in a minute.",
    { headers: { "Retry-After": String(Math.ceil((until - Date.now()) / 1000)) } },
  );
}

async function countFailedLookup(c: Context<AppEnv>): Promise<void> {
  const ip = c.req.header("cf-connecting-ip");
  if (!ip || !c.env.KEY_FAILURES) return;
  const { success } = await c.env.KEY_FAILURES.limit({ key: ip });
  if (!success) {
    if (blockedAddresses.size >= 10_000) blockedAddresses.clear();
    blockedAddresses.set(ip, Date.now() + FAILED_LOOKUP_BLOCK_MS);
  }
}

const unauthorized = (detail: string) =>
  new HttpProblem(401, "unauthorized", "Unauthorized", detail, {
    headers: { "WWW-Authenticate": 'Bearer realm="statex"' },
  });

/**
 * API authentication: `Authorization: Bearer <api key>` with the given scope, or — for reads
 * only — the portal's session cookie (the portal's pages poll the API). Writes through the
 * API need a key, so a cookie alone can never be ridden by a cross-site form.
 */
export const requireApi = (scope: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const d = db(c.env.DB);
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      let looked = false;
      const found = match?.[1]
        ? await resolveApiKey(d, match[1], () => {
            refuseBlockedAddress(c);
            looked = true;
          })
        : null;
      if (!found) {
        if (looked) await countFailedLookup(c);
        throw unauthorized("The API key is missing, malformed, revoked or unknown.");
      }
      if (!parseScopes(found.key.scopes).includes(scope)) {
        throw new HttpProblem(403, "forbidden", "Forbidden", `This API key lacks the ${scope} scope.`);
      }
      c.set("user", found.user);
      c.set("apiKey", found.key);
      await enforceKeyRateLimit(c, found.key.id, found.user.id);
      // "Last used" to the minute: one D1 write per key a minute, not one per request.
      const now = Date.now();
      if (!found.key.lastUsedAt || now - found.key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
        c.executionCtx.waitUntil(touchApiKey(d, found.key, now));
      }
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie && (c.req.method === "GET" || c.req.method === "HEAD")) {
      const found = await resolveSession(d, cookie);
      if (found) {
        c.set("user", found.user);
        c.set("session", found.session);
        return next();
      }
    }
    throw unauthorized("Send an API key as `Authorization: Bearer <key>`. Create one in the portal under Profile.");
  });

/** Admin-only: anyone else gets the same 404 as a path that does not exist. */
export const adminOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("user").role !== "admin") {
    throw new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);
  }
  await next();
});
