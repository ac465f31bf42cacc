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

function errorFields(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

/** Creates a logger whose lines always include `base` (at least `correlationId`). */
export function createLogger(base: LogFields): Logger {
  const write = (level: Level, msg: string, fields?: LogFields) => {
    const line: LogFields = { level, msg, time: new Date().toISOString(), ...base };
    for (const [k, v] of Object.entries(fields ?? {})) line[k] = errorFields(v);
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

/** Accepts a caller's `X-Request-Id` when it is a sane token; otherwise mints a new one. */
export function correlationIdFrom(header: string | null | undefined): string {
  if (header && REQUEST_ID_PATTERN.test(header)) return header;
  return crypto.randomUUID();
}
