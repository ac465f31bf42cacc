import type { Logger } from "../shared/log";

/** Hono's environment for the HTTP app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** Correlation id of this request (accepted `X-Request-Id` or a new UUID). */
    requestId: string;
    log: Logger;
  };
}
