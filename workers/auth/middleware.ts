import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { Scope } from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { db } from "../api/submissions/repo";
import type { AppEnv } from "../app-env";
import { parseScopes, resolveApiKey, resolveSession, touchApiKey } from "./service";

/** Name of the session cookie (`Secure; HttpOnly; SameSite=Lax`). */
export const SESSION_COOKIE = "statex_session";

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
      const found = match?.[1] ? await resolveApiKey(d, match[1]) : null;
      if (!found) throw unauthorized("The API key is missing, malformed, revoked or unknown.");
      if (!parseScopes(found.key.scopes).includes(scope)) {
        throw new HttpProblem(403, "forbidden", "Forbidden", `This API key lacks the ${scope} scope.`);
      }
      c.set("user", found.user);
      c.set("apiKey", found.key);
      c.executionCtx.waitUntil(touchApiKey(d, found.key.id));
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
