/**
 * Optional Worker secrets. `wrangler types` generates `Env` from wrangler.toml, which cannot
 * declare optional secrets; these are set with `wrangler secret put` (or `.dev.vars` locally),
 * and each is documented in `.dev.vars.example`.
 */
declare namespace Cloudflare {
  interface Env {
    /** API key for `AI_PROVIDER=openai`. */
    AI_API_KEY?: string;
  }
}
