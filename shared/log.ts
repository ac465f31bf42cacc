import { newTraceId, traceIdOf } from "./trace";

/** Structured JSON-line logger. Every line carries the correlation id of the request it serves. */
export type LogFields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/**
 * Field names whose values never reach a log line: credentials, tokens, cookies, signatures
 * and raw message bodies. Matched anywhere in the (lower-cased) name.
 */
export const REDACTED_FIELDS =
  /pass(word|wd)?|secret|token|authorization|cookie|api[-_]?key|csrf|signature|^raw$|rawbody|mailbody|^body$|^text$/i;

/** Secrets that can hide inside any string: our API keys, webhook secrets, bearer credentials. */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bsx_[A-Za-z0-9_-]{16,}/g, "sx_[redacted]"],
  [/\bwhsec_[A-Za-z0-9+/=]{16,}/g, "whsec_[redacted]"],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]"],
  [/pbkdf2-sha256\$[^\s"]+/g, "pbkdf2-sha256$[redacted]"],
];

/** A log-safe copy of `value`: redacted fields, scrubbed strings, errors as plain objects. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return SECRET_PATTERNS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value);
  }
  if (value instanceof Error) {
    return redact({ name: value.name, message: value.message, stack: value.stack }, depth);
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= 6) return "[…]";
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACTED_FIELDS.test(k) ? "[redacted]" : redact(v, depth + 1);
  return out;
}

/** Creates a logger whose lines always include `base` (at least `correlationId`). */
export function createLogger(base: LogFields): Logger {
  const write = (level: Level, msg: string, fields?: LogFields) => {
    const line = redact({ level, msg, time: new Date().toISOString(), ...base, ...fields }) as LogFields;
    const text = JSON.stringify(line);
    if (level === "error") console.error(text);
    else if (level === "warn") console.warn(text);
    else console.log(text);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The correlation id of a request: the trace id of a valid `traceparent`, else a caller's
 * `X-Request-Id` when it is a sane token, else a new trace id (32 hex digits).
 */
export function correlationIdFrom(header: string | null | undefined, traceparent?: string | null): string {
  const traced = traceIdOf(traceparent);
  if (traced) return traced;
  if (header && REQUEST_ID_PATTERN.test(header)) return header;
  return newTraceId();
}
