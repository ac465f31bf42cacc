/**
 * Optional Worker secrets. `wrangler types` generates `Env` from wrangler.toml, which cannot
 * declare optional secrets; these are set with `wrangler secret put` (or `.dev.vars` locally),
 * and each is documented in `.dev.vars.example`.
 */
declare namespace Cloudflare {
  interface Env {
    /** API key for `AI_PROVIDER=openai`. */
    AI_API_KEY?: string;
    /** Sentry DSN; unset, nothing is reported and Sentry is never contacted. */
    SENTRY_DSN?: string;
    /** The deployed git revision (set by `npm run deploy`), reported as the Sentry release. */
    GIT_REVISION?: string;
  }
}
