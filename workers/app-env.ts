import type { ApiKeyRow, SessionRow, UserRow } from "../shared/db/schema";
import type { Logger } from "../shared/log";

/** Hono's environment for the HTTP app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Correlation id of this request (accepted `X-Request-Id` or a new UUID). */
    requestId: string;
    log: Logger;
    /** The signed-in user (API key or session), once an auth middleware ran. */
    user: UserRow;
    /** The API key used, when the request authenticated with one. */
    apiKey?: ApiKeyRow;
    /** The browser session, when the request authenticated with a cookie. */
    session?: SessionRow;
    /** Set by multipart intake once the body is read: what `Idempotency-Key` compares. */
    idempotencyFingerprint?: string;
  };
}
