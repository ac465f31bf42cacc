import type { CloudflareOptions } from "@sentry/cloudflare";

/** Request headers Sentry may see; everything else (cookies, authorization, keys) is dropped. */
const ALLOWED_HEADERS = new Set(["user-agent", "content-type", "content-length", "accept", "x-request-id", "cf-ray"]);

/**
 * Sentry's options for `withSentry`: on only when `SENTRY_DSN` is set (never contacted
 * otherwise), errors only (no tracing), release = the deployed git revision, and a
 * `beforeSend` that keeps only allow-listed request headers and no cookies or bodies.
 */
export function sentryOptions(env: {
  SENTRY_DSN?: string;
  ENVIRONMENT?: string;
  GIT_REVISION?: string;
}): CloudflareOptions {
  return {
    dsn: env.SENTRY_DSN,
    enabled: Boolean(env.SENTRY_DSN),
    environment: env.ENVIRONMENT,
    release: env.GIT_REVISION || undefined,
    tracesSampleRate: 0,
    beforeSend(event) {
      if (event.request) {
        const headers = event.request.headers ?? {};
        event.request.headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => ALLOWED_HEADERS.has(name.toLowerCase())),
        );
        delete event.request.cookies;
        delete event.request.data;
        delete event.request.query_string;
      }
      return event;
    },
  };
}
