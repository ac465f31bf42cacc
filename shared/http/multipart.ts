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
  /**
   * Instrumentation: called with the number of bytes copied each time the parser copies
   * (into its buffer, or out of it into a part's chunk). The total stays within a small
   * multiple of the body's size, which the tests assert.
   */
  onCopied?: (bytes: number) => void;
}

/**
 * Most transport padding (spaces and tabs, RFC 2046 §5.1.1) allowed after a boundary. No
 * client sends any; without a cap a body could be 90 MiB of it.
 */
export const MAX_BOUNDARY_PADDING = 1024;

/** The boundary of a `multipart/form-data` content type, or null if it is not one. */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

const enc = new TextEncoder();
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

/**
 * The unparsed bytes of the body: a growable buffer with a consumed front. Appending copies
 * a chunk once; consuming is free; the live bytes are moved only when the free front is
 * larger than they are (or the buffer doubles), so every byte is copied a bounded number of
 * times whatever the chunk sizes. (Concatenating the whole buffer per chunk made a body that
 * keeps the buffer growing, like 16 MiB of padding, quadratic.)
 */
class Unparsed {
  #data = new Uint8Array(0);
  #start = 0;
  #end = 0;
  readonly #onCopied: ((bytes: number) => void) | undefined;

  constructor(onCopied: ((bytes: number) => void) | undefined) {
    this.#onCopied = onCopied;
  }

  get length(): number {
    return this.#end - this.#start;
  }

  /** The live bytes; valid until the next `append`. */
  view(): Uint8Array {
    return this.#data.subarray(this.#start, this.#end);
  }

  byte(i: number): number | undefined {
    return i < this.length ? this.#data[this.#start + i] : undefined;
  }

  append(chunk: Uint8Array): void {
    const live = this.length;
    if (this.#end + chunk.length > this.#data.length) {
      if (live + chunk.length <= this.#data.length >> 1) {
        this.#data.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(this.#data.length * 2, live + chunk.length, 4096));
        grown.set(this.#data.subarray(this.#start, this.#end));
        this.#data = grown;
      }
      this.#onCopied?.(live);
      this.#start = 0;
      this.#end = live;
    }
    this.#data.set(chunk, this.#end);
    this.#end += chunk.length;
    this.#onCopied?.(chunk.length);
  }

  consume(n: number): void {
    this.#start += n;
    if (this.#start >= this.#end) this.#start = this.#end = 0;
  }

  /** The first `n` bytes, copied out (a part's chunk must not share the buffer), and consumed. */
  take(n: number): Uint8Array {
    const out = this.#data.slice(this.#start, this.#start + n);
    this.#onCopied?.(n);
    this.consume(n);
    return out;
  }

  startsWith(prefix: Uint8Array): boolean {
    if (this.length < prefix.length) return false;
    for (let i = 0; i < prefix.length; i++) if (this.#data[this.#start + i] !== prefix[i]) return false;
    return true;
  }

  /** True while the live bytes could still grow into `prefix`. */
  isPrefixOf(prefix: Uint8Array): boolean {
    if (this.length >= prefix.length) return false;
    for (let i = 0; i < this.length; i++) if (this.#data[this.#start + i] !== prefix[i]) return false;
    return true;
  }
}

/**
 * Reads `body` as multipart with `boundary`, yielding one streamed part at a time. Linear in
 * the body: every search resumes where the last one stopped or runs over at most one chunk
 * plus a delimiter's length, and bytes are copied a bounded number of times (`onCopied`).
 */
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
  const buf = new Unparsed(options.onCopied);
  let eof = false;

  const more = async (): Promise<boolean> => {
    if (eof) return false;
    const { done, value } = await reader.read();
    if (done) {
      eof = true;
      return false;
    }
    options.onBytes?.(value.byteLength);
    buf.append(value);
    return true;
  };

  try {
    // The first boundary: at the very start, or after a preamble ending in CRLF.
    let atStart = true;
    for (;;) {
      if (atStart) {
        if (buf.isPrefixOf(dashBoundary)) {
          if (!(await more())) throw new MultipartError("The body has no multipart boundary.");
          continue;
        }
        atStart = false;
        if (buf.startsWith(dashBoundary)) {
          buf.consume(dashBoundary.length);
          break;
        }
      }
      const at = indexOfBytes(buf.view(), delimiter);
      if (at !== -1) {
        buf.consume(at + delimiter.length);
        break;
      }
      if (buf.length >= delimiter.length) buf.consume(buf.length - delimiter.length + 1);
      if (!(await more())) throw new MultipartError("The body has no multipart boundary.");
    }

    for (let parts = 0; ; parts++) {
      // After a boundary: `--` ends the body; otherwise optional padding, then CRLF.
      while (buf.length < 2) {
        if (!(await more())) throw new MultipartError("The multipart body ends without its closing boundary.");
      }
      if (buf.byte(0) === 45 && buf.byte(1) === 45) return;
      let padding = 0;
      for (;;) {
        while (buf.byte(0) === 32 || buf.byte(0) === 9) {
          buf.consume(1);
          if (++padding > MAX_BOUNDARY_PADDING) {
            throw new MultipartError(`The padding after a multipart boundary exceeds ${MAX_BOUNDARY_PADDING} bytes.`);
          }
        }
        if (buf.length >= 2) break;
        if (!(await more())) throw new MultipartError("The multipart body is truncated.");
      }
      if (buf.byte(0) !== 13 || buf.byte(1) !== 10) throw new MultipartError("A multipart boundary is malformed.");
      buf.consume(2);
      if (parts >= maxParts) throw new MultipartError(`The body has more than ${maxParts} parts.`);

      // The part's header block; the search for its end resumes where it stopped.
      let headerText: string;
      for (let searched = 0; ; ) {
        if (buf.startsWith(HEADER_END.subarray(2))) {
          headerText = "";
          buf.consume(2);
          break;
        }
        const end = indexOfBytes(buf.view(), HEADER_END, searched);
        if (end !== -1 && end <= maxHeaderBytes) {
          headerText = new TextDecoder().decode(buf.view().subarray(0, end));
          buf.consume(end + HEADER_END.length);
          break;
        }
        if (buf.length > maxHeaderBytes + HEADER_END.length)
          throw new MultipartError(`A part's headers exceed ${maxHeaderBytes} bytes.`);
        searched = Math.max(0, buf.length - HEADER_END.length + 1);
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
              const at = indexOfBytes(buf.view(), delimiter);
              if (at !== -1) {
                if (at > 0) controller.enqueue(buf.take(at));
                buf.consume(delimiter.length);
                finished = true;
                controller.close();
                return;
              }
              // Everything but a tail that could be the start of the delimiter is content.
              const safe = buf.length - (delimiter.length - 1);
              if (safe > 0) {
                controller.enqueue(buf.take(safe));
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
          const at = indexOfBytes(buf.view(), delimiter);
          if (at !== -1) {
            buf.consume(at + delimiter.length);
            break;
          }
          if (buf.length >= delimiter.length) buf.consume(buf.length - delimiter.length + 1);
          if (!(await more())) throw new MultipartError("The multipart body is truncated inside a part.");
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
