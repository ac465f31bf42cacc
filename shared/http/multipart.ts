import { ContentDisposition } from "@remix-run/headers/content-disposition";

/**
 * A streaming `multipart/form-data` reader (RFC 7578) for request bodies in workerd: each part
 * is handed over as a `ReadableStream` while the request is still arriving, so a file is never
 * held whole in memory. At most one part is open at a time (the body is one stream): read or
 * cancel a part's `body` before asking for the next part; an unread remainder is skipped.
 *
 * The parsers on npm (`@remix-run/multipart-parser`, formerly `@mjackson/multipart-parser`,
 * `@web3-storage/multipart-parser`, `@apeleghq/multipart-parser`) collect each part in memory
 * before yielding it, which is what this must not do; header parsing (`filename*` per RFC
 * 8187 included) is `@remix-run/headers`'.
 */

/** The body is not well-formed multipart: a 400. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MultipartError";
  }
}

export interface StreamedPart {
  /** The form field name (`Content-Disposition: form-data; name=...`). */
  name: string;
  /** The file name as sent (`filename*` preferred); undefined for a plain field. */
  filename: string | undefined;
  /** The part's own `Content-Type`, lowercased, without parameters; undefined when absent. */
  contentType: string | undefined;
  body: ReadableStream<Uint8Array>;
}

export interface MultipartOptions {
  /** Largest header block of one part (default 8 KiB). */
  maxHeaderBytes?: number;
  /** Most parts in one body (default 100). */
  maxParts?: number;
  /**
   * Called with the size of every chunk read from the body, before it is parsed; throwing
   * (for a size limit) stops the parse and errors whichever stream is being read.
   */
  onBytes?: (bytes: number) => void;
}

/** The boundary of a `multipart/form-data` content type, or null if it is not one. */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

const enc = new TextEncoder();
const CRLF = enc.encode("\r\n");
const HEADER_END = enc.encode("\r\n\r\n");

/** First index of `needle` in `hay` at or after `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  if (first === undefined) return from;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Reads `body` as multipart with `boundary`, yielding one streamed part at a time. */
export async function* streamMultipart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  options: MultipartOptions = {},
): AsyncGenerator<StreamedPart> {
  const maxHeaderBytes = options.maxHeaderBytes ?? 8192;
  const maxParts = options.maxParts ?? 100;
  const reader = body.getReader();
  const dashBoundary = enc.encode(`--${boundary}`);
  const delimiter = enc.encode(`\r\n--${boundary}`);
  let buf: Uint8Array = new Uint8Array(0);
  let eof = false;

  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const { done, value } = await reader.read();
    if (done) {
      eof = true;
      return false;
    }
    options.onBytes?.(value.byteLength);
    buf = concat(buf, value);
    return true;
  };
  const need = async (n: number) => {
    while (buf.length < n) if (!(await more())) return false;
    return true;
  };

  try {
    // The first boundary: at the very start, or after a preamble ending in CRLF.
    for (;;) {
      if (buf.length >= dashBoundary.length && indexOfBytes(buf, dashBoundary) === 0) {
        buf = buf.subarray(dashBoundary.length);
        break;
      }
      const at = indexOfBytes(buf, delimiter);
      if (at !== -1) {
        buf = buf.subarray(at + delimiter.length);
        break;
      }
      if (buf.length > delimiter.length) buf = buf.subarray(buf.length - delimiter.length);
      if (!(await more())) throw new MultipartError("The body has no multipart boundary.");
    }

    for (let parts = 0; ; parts++) {
      // After a boundary: `--` ends the body; otherwise optional padding, then CRLF.
      if (!(await need(2))) throw new MultipartError("The multipart body ends without its closing boundary.");
      if (buf[0] === 45 && buf[1] === 45) return;
      let p = 0;
      for (;;) {
        while (p < buf.length && (buf[p] === 32 || buf[p] === 9)) p++;
        if (p + 2 <= buf.length) break;
        if (!(await more())) throw new MultipartError("The multipart body is truncated.");
      }
      if (buf[p] !== CRLF[0] || buf[p + 1] !== CRLF[1]) throw new MultipartError("A multipart boundary is malformed.");
      buf = buf.subarray(p + 2);
      if (parts >= maxParts) throw new MultipartError(`The body has more than ${maxParts} parts.`);

      // The part's header block.
      let headerText: string;
      for (;;) {
        if (buf.length >= 2 && buf[0] === CRLF[0] && buf[1] === CRLF[1]) {
          headerText = "";
          buf = buf.subarray(2);
          break;
        }
        const end = indexOfBytes(buf, HEADER_END);
        if (end !== -1 && end <= maxHeaderBytes) {
          headerText = new TextDecoder().decode(buf.subarray(0, end));
          buf = buf.subarray(end + HEADER_END.length);
          break;
        }
        if (buf.length > maxHeaderBytes + HEADER_END.length)
          throw new MultipartError(`A part's headers exceed ${maxHeaderBytes} bytes.`);
        if (!(await more())) throw new MultipartError("The multipart body is truncated in a part's headers.");
      }
      const headers = new Map<string, string>();
      for (const line of headerText.split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const disposition = new ContentDisposition(headers.get("content-disposition") ?? "");
      if (disposition.type?.toLowerCase() !== "form-data" || disposition.name === undefined) {
        throw new MultipartError("Every part needs `Content-Disposition: form-data` with a name.");
      }
      const type = headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();

      // The part's body, streamed up to the next delimiter.
      let finished = false;
      const part = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            for (;;) {
              const at = indexOfBytes(buf, delimiter);
              if (at !== -1) {
                if (at > 0) controller.enqueue(buf.slice(0, at));
                buf = buf.subarray(at + delimiter.length);
                finished = true;
                controller.close();
                return;
              }
              // Everything but a tail that could be the start of the delimiter is content.
              const safe = buf.length - (delimiter.length - 1);
              if (safe > 0) {
                controller.enqueue(buf.slice(0, safe));
                buf = buf.subarray(safe);
                return;
              }
              if (!(await more())) throw new MultipartError("The multipart body is truncated inside a part.");
            }
          },
        },
        { highWaterMark: 0 },
      );
      yield {
        name: disposition.name,
        filename: disposition.preferredFilename,
        contentType: type || undefined,
        body: part,
      };
      if (!finished) {
        // The consumer stopped early (or cancelled): skip to the next delimiter.
        for (;;) {
          const at = indexOfBytes(buf, delimiter);
          if (at !== -1) {
            buf = buf.subarray(at + delimiter.length);
            break;
          }
          if (buf.length >= delimiter.length) buf = buf.subarray(buf.length - delimiter.length + 1);
          if (!(await more())) throw new MultipartError("The multipart body is truncated inside a part.");
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
