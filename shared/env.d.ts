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
    /**
     * Step policy overrides for every step kind (tests, small deployments); unset, each kind
     * keeps its own policy from `shared/workflows.ts`.
     */
    STEP_TIMEOUT_MS?: string;
    STEP_MAX_ATTEMPTS?: string;
    STEP_RETRY_BASE_MS?: string;
    /** Largest audio chunk sent for transcription (default 20 MiB); tests make it small. */
    AUDIO_CHUNK_BYTES?: string;
    /** Root key of every signed link and token (`shared/signing.ts`); unset, signed links are off. */
    SIGNING_KEY?: string;
    /** Largest inbound email taken (bytes; default 20 MiB); its attachments obey `UPLOAD_MAX_*`. */
    INBOUND_MAX_BYTES?: string;
  }
}
