import busboy from "busboy";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_BOUNDARY_PADDING, MultipartError, streamMultipart } from "../shared/http/multipart";

const enc = new TextEncoder();

interface Part {
  name: string;
  filename: string | undefined;
  type: string;
  data: number[];
}
type Outcome = { ok: true; parts: Part[] } | { ok: false };

/** A stream of the given chunks, in order. */
function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      const chunk = chunks[i++];
      if (chunk) c.enqueue(chunk.slice());
      else c.close();
    },
  });
}

/** `bytes` cut into chunks of the sizes given, cycled (a size of 1 splits everything everywhere). */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = sizes[k % sizes.length] ?? bytes.length;
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Our parser, every part read whole; `copied` adds up the bytes it copied. */
async function ours(chunks: Uint8Array[], boundary: string, counters = { copied: 0, read: 0 }): Promise<Outcome> {
  const parts: Part[] = [];
  try {
    const stream = streamMultipart(streamOf(chunks), boundary, {
      onCopied: (n) => {
        counters.copied += n;
      },
      onBytes: (n) => {
        counters.read += n;
      },
    });
    for await (const part of stream) {
      const data = [...new Uint8Array(await new Response(part.body).arrayBuffer())];
      parts.push({ name: part.name, filename: part.filename, type: part.contentType ?? "text/plain", data });
    }
    return { ok: true, parts };
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    return { ok: false };
  }
}

/** busboy (the parser behind multer and fastify's multipart) on the same chunks: the reference. */
function theirs(chunks: Uint8Array[], boundary: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const parts: Part[] = [];
    const parser = busboy({ headers: { "content-type": `multipart/form-data; boundary="${boundary}"` } });
    parser.on("field", (name, value, info) => {
      parts.push({ name, filename: undefined, type: info.mimeType, data: [...enc.encode(value)] });
    });
    parser.on("file", (name, file, info) => {
      const part: Part = { name, filename: info.filename, type: info.mimeType, data: [] };
      parts.push(part);
      file.on("data", (d: Buffer) => part.data.push(...d));
      file.on("error", () => undefined);
    });
    parser.on("error", () => resolve({ ok: false }));
    parser.on("close", () => resolve({ ok: true, parts }));
    for (const chunk of chunks) parser.write(Buffer.from(chunk));
    parser.end();
  });
}

const BOUNDARY_CHARS = "abcXYZ019'()+_,-./:=?".split("");
const boundaryArb = fc
  .array(fc.constantFrom(...BOUNDARY_CHARS), { minLength: 1, maxLength: 70 })
  .map((c) => c.join(""));
const NAME_CHARS = "abcdefxyz_-0123456789".split("");
const nameArb = fc.array(fc.constantFrom(...NAME_CHARS), { minLength: 1, maxLength: 12 }).map((c) => c.join(""));
const filenameArb = fc
  .array(fc.constantFrom(..."abcxyz019._- ".split("")), { minLength: 1, maxLength: 12 })
  .map((c) => `f${c.join("")}x`);
const typeArb = fc.option(fc.constantFrom("application/octet-stream", "text/plain", "image/png", "application/pdf"), {
  nil: undefined,
});

/** A body whose bytes include pieces of the delimiter (CR, LF, dashes, boundary prefixes) but never all of it. */
function contentArb(boundary: string, ascii: boolean) {
  const pieces = [
    "\r",
    "\n",
    "\r\n",
    "-",
    "--",
    `\r\n--${boundary.slice(0, -1)}`,
    `--${boundary}`,
    `\r\n-${boundary}`,
    boundary,
  ];
  const unit = ascii
    ? fc.oneof(
        fc.constantFrom(...pieces),
        fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a")),
      )
    : fc.oneof(
        fc.constantFrom(...pieces),
        fc.uint8Array({ maxLength: 40 }).map((b) => String.fromCharCode(...b)),
      );
  const delimiter = `\r\n--${boundary}`;
  return (
    fc
      .array(unit, { maxLength: 12 })
      .map((units) => units.join(""))
      // The CRLF ending the headers and the one before the next delimiter are around it.
      .filter((s) => !`\r\n${s}\r\n`.includes(delimiter))
  );
}

/** Latin-1 string to bytes (file contents are any bytes). */
const bytesOf = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

const bodyArb = boundaryArb.chain((boundary) =>
  fc
    .record({
      preamble: fc.option(fc.constantFrom("preamble\r\n", "\r\n", "x\r\n\r\n"), { nil: "" }),
      parts: fc.array(
        fc.oneof(
          fc.record({
            name: nameArb,
            filename: fc.constant(undefined),
            type: typeArb,
            content: contentArb(boundary, true),
          }),
          fc.record({ name: nameArb, filename: filenameArb, type: typeArb, content: contentArb(boundary, false) }),
        ),
        { maxLength: 6 },
      ),
      epilogue: fc.option(fc.constantFrom("\r\n", "epilogue", "\r\n--x--"), { nil: "" }),
      truncateAt: fc.option(fc.nat(), { nil: undefined }),
      sizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
    })
    .map((b) => {
      let text = b.preamble;
      for (const p of b.parts) {
        text += `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
        if (p.filename !== undefined) text += `; filename="${p.filename}"`;
        text += "\r\n";
        if (p.type) text += `Content-Type: ${p.type}\r\n`;
        text += `\r\n${p.content}\r\n`;
      }
      text += `--${boundary}--${b.epilogue}`;
      let bytes = bytesOf(text);
      if (b.truncateAt !== undefined) bytes = bytes.subarray(0, b.truncateAt % (bytes.length + 1));
      return { boundary, bytes, sizes: b.sizes };
    }),
);

describe("streamMultipart agrees with busboy", () => {
  it("on generated bodies: the same fields, the same file bytes, the same accept or reject, in any chunking", async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, async ({ boundary, bytes, sizes }) => {
        const chunks = cut(bytes, sizes);
        const mine = await ours(chunks, boundary);
        const reference = await theirs(chunks, boundary);
        expect(mine).toEqual(reference);
      }),
      { numRuns: 1000 },
    );
  });

  it("whatever chunk position the boundary is split at", async () => {
    const boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    const bytes = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--${boundary}\r\n` +
        `Content-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n` +
        `\r\n--${boundary.slice(0, 20)}\r\r\n\r\n--${boundary}--\r\n`,
    );
    const whole = await theirs([bytes], boundary);
    expect(whole.ok).toBe(true);
    for (let at = 1; at < bytes.length; at++) {
      const split = [bytes.subarray(0, at), bytes.subarray(at)];
      expect(await ours(split, boundary)).toEqual(whole);
    }
  });
});

/** A valid body of one file part holding `file`, with `padding` after its opening boundary. */
function oneFile(boundary: string, file: Uint8Array, padding = ""): Uint8Array {
  const head = enc.encode(
    `--${boundary}${padding}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  const out = new Uint8Array(head.length + file.length + tail.length);
  out.set(head, 0);
  out.set(file, head.length);
  out.set(tail, head.length + file.length);
  return out;
}

/** The body as a stream of `size`-byte chunks, without holding every chunk in an array. */
function chunkedStream(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function run(bytes: Uint8Array, size: number, boundary = "b0undary") {
  const counters = { copied: 0, read: 0 };
  let files = 0;
  let error: unknown = null;
  try {
    const parts = streamMultipart(chunkedStream(bytes, size), boundary, {
      onCopied: (n) => {
        counters.copied += n;
      },
      onBytes: (n) => {
        counters.read += n;
      },
    });
    for await (const part of parts) {
      files += (await new Response(part.body).arrayBuffer()).byteLength;
    }
  } catch (cause) {
    error = cause;
  }
  return { ...counters, files, error };
}

describe("streamMultipart is linear on hostile bodies (bytes copied counted, not timed)", () => {
  it("copies each byte of a 16 MiB upload a bounded number of times, in 1 KiB or 64 KiB chunks", async () => {
    const file = new Uint8Array(16 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    for (const size of [1024, 65_536]) {
      const result = await run(oneFile("b0undary", file), size);
      expect(result.error).toBeNull();
      expect(result.files).toBe(file.length);
      expect(result.copied).toBeGreaterThan(0);
      expect(result.copied).toBeLessThanOrEqual(3 * result.read);
    }
  }, 60_000);

  it("refuses 16 MiB of padding after a boundary once past the cap, having read and copied little", async () => {
    const padded = oneFile("b0undary", enc.encode("x"), " ".repeat(16 * 1024 * 1024));
    const result = await run(padded, 4096);
    expect(result.error).toBeInstanceOf(MultipartError);
    expect((result.error as Error).message).toBe(
      `The padding after a multipart boundary exceeds ${MAX_BOUNDARY_PADDING} bytes.`,
    );
    expect(result.read).toBeLessThanOrEqual(MAX_BOUNDARY_PADDING + 2 * 4096);
    expect(result.copied).toBeLessThanOrEqual(3 * result.read);
    // Padding under the cap is still transport padding, and accepted.
    const ok = await run(oneFile("b0undary", enc.encode("x"), " \t".repeat(MAX_BOUNDARY_PADDING / 2)), 7);
    expect(ok.error).toBeNull();
    expect(ok.files).toBe(1);
  });

  it("refuses a huge header block at 8 KiB, whatever the chunk size, copying linearly", async () => {
    const huge = enc.encode(`--b0undary\r\nContent-Disposition: form-data; name="f"\r\nX-Pad: ${"a".repeat(1 << 20)}`);
    for (const size of [1, 16, 4096]) {
      const result = await run(huge.subarray(0, size === 1 ? 20_000 : huge.length), size);
      expect((result.error as Error).message).toBe("A part's headers exceed 8192 bytes.");
      expect(result.read).toBeLessThanOrEqual(8192 + 100 + size);
      expect(result.copied).toBeLessThanOrEqual(3 * result.read);
    }
  });

  it("reads 100 tiny parts, refuses the 101st, and copies linearly", async () => {
    const part = (i: number) => `--b0undary\r\nContent-Disposition: form-data; name="p${i}"\r\n\r\n${i}\r\n`;
    const body = (n: number) => enc.encode(`${Array.from({ length: n }, (_, i) => part(i)).join("")}--b0undary--`);
    const hundred = await run(body(100), 3);
    expect(hundred.error).toBeNull();
    expect(hundred.copied).toBeLessThanOrEqual(3 * hundred.read);
    const more = await run(body(101), 3);
    expect((more.error as Error).message).toBe("The body has more than 100 parts.");
  });

  it("refuses bodies missing their CRLFs (busboy skips a boundary without its CRLF, and refuses the others too)", async () => {
    const cases = [
      // No CRLF after the first boundary.
      '--b0undaryContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--b0undary--',
      // No blank line between headers and content: the headers never end.
      '--b0undary\r\nContent-Disposition: form-data; name="a"\r\nx\r\n--b0undary--',
      // No CRLF before the closing boundary: the part never ends.
      '--b0undary\r\nContent-Disposition: form-data; name="a"\r\n\r\nx--b0undary--',
    ];
    for (const text of cases) {
      for (const size of [1, 5, 1000]) {
        const bytes = enc.encode(text);
        expect(await ours(cut(bytes, [size]), "b0undary")).toEqual({ ok: false });
      }
      expect(await theirs([enc.encode(text)], "b0undary")).toMatchObject(
        text.startsWith("--b0undaryContent") ? { ok: true } : { ok: false },
      );
    }
  });
});
