/**
 * W3C Trace Context: a request's correlation id is its trace id (32 hex digits) whenever the
 * caller sent a `traceparent` — or when we mint one — so the same id can be handed on to
 * services that speak the standard (OpenAI-compatible providers, Sentry, a caller's tracer).
 */
import { toHex } from "./crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = /^[0-9a-f]{32}$/;

const hex = (bytes: number) => toHex(crypto.getRandomValues(new Uint8Array(bytes)));

/** The trace id of a valid `traceparent` header (version 00, not all zeros), or null. */
export function traceIdOf(header: string | null | undefined): string | null {
  const match = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!match?.[1] || /^0+$/.test(match[1]) || /^0+$/.test(match[2] ?? "")) return null;
  return match[1];
}

/** A fresh trace id. */
export const newTraceId = () => hex(16);

/**
 * A `traceparent` for an outgoing call on behalf of `correlationId` (a new span each time),
 * or undefined when the correlation id is not a trace id (a caller's own `X-Request-Id`).
 */
export function traceparentFor(correlationId: string | null | undefined): string | undefined {
  return correlationId && TRACE_ID.test(correlationId) ? `00-${correlationId}-${hex(8)}-01` : undefined;
}
