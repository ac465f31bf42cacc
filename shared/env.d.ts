/**
 * Optional Worker secrets. `wrangler types` generates `Env` from wrangler.toml, which cannot
 * declare optional secrets; these are set with `wrangler secret put` (or `.dev.vars` locally),
 * and each is documented in `.dev.vars.example`. Both the generated global `Env` and
 * `Cloudflare.Env` (what `cloudflare:workers` exports) extend them, so no caller casts.
 */
interface OptionalSecrets {
  /** API key for `AI_PROVIDER=openai`. */
  AI_API_KEY?: string;
  /** Sentry DSN; unset, nothing is reported and Sentry is never contacted. */
  SENTRY_DSN?: string;
  /** The deployed git revision (set by `npm run deploy`), reported as the Sentry release. */
  GIT_REVISION?: string;
  /**
   * Step policy overrides for every step kind (tests, small deployments); unset, each kind
   * keeps its own policy from `shared/pipeline/workflows.ts`.
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
  /** Email provider: `binding` (default, `send_email`) or `http` (Resend-style JSON API). */
  EMAIL_PROVIDER?: string;
  /** `EMAIL_PROVIDER=http`: the `POST` endpoint (e.g. https://api.resend.com/emails) and its key. */
  EMAIL_HTTP_URL?: string;
  EMAIL_HTTP_API_KEY?: string;
  /** SMS through Twilio: account SID, auth token, and a sender number or messaging service. */
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_FROM?: string;
  TWILIO_MESSAGING_SERVICE_SID?: string;
  /** Telegram Bot API token (`123456:ABC…`). */
  TELEGRAM_BOT_TOKEN?: string;
  /** WhatsApp Cloud API: access token, sender phone number id, Graph API version (default v21.0). */
  WHATSAPP_TOKEN?: string;
  WHATSAPP_PHONE_NUMBER_ID?: string;
  WHATSAPP_API_VERSION?: string;
  /** WhatsApp status webhooks: the app secret (signature) and the verify token (subscription). */
  WHATSAPP_APP_SECRET?: string;
  WHATSAPP_VERIFY_TOKEN?: string;
}

declare namespace Cloudflare {
  interface Env extends OptionalSecrets {}
}

interface Env extends OptionalSecrets {}
