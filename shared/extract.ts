import { Inflate, Unzlib } from "fflate";
import { convert as htmlToText } from "html-to-text";
import { getDocumentProxy, extractText as pdfText } from "unpdf";
import { limitHtmlDepth } from "./html-depth";

/**
 * Document text extraction that runs in workerd: plain text and markdown as they are, HTML
 * through `html-to-text`, PDF through `unpdf` (pdf.js built for serverless runtimes), and DOCX by
 * reading `word/document.xml` out of the zip with fflate (mammoth, the usual choice, pulls in
 * Node-only modules). Everything inflated is bounded (see {@link inflateBounded}): a 200 KB
 * DOCX of zeros would otherwise inflate to 200 MiB and kill the isolate.
 */

/** A document the pipeline cannot read: bad input, so no retry is attempted. */
export class UnsupportedDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedDocumentError";
  }
}

/** A document that inflates past the limits: refused for good, like any unreadable document. */
export class DecompressionBombError extends UnsupportedDocumentError {
  constructor(message: string) {
    super(message);
    this.name = "DecompressionBombError";
  }
}

/** Most bytes one archive entry or PDF stream may inflate to (a long DOCX's `document.xml` is a few MiB). */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/**
 * Largest inflated/compressed ratio once past {@link RATIO_FLOOR_BYTES}. XML and text deflate
 * 5–20×; deflate's own ceiling is about 1,032×, which only crafted input comes near.
 */
export const MAX_INFLATE_RATIO = 100;
/** Output below which the ratio is not checked: a small, very repetitive file is harmless. */
export const RATIO_FLOOR_BYTES = 1024 * 1024;
/** Most pages of a PDF read for text: pdf.js inflates each page's content stream as it goes. */
export const MAX_PDF_PAGES = 500;

/** Compressed bytes fed to the inflater at once: one push inflates to at most ~1 MiB. */
const INFLATE_SLICE = 1024;

/**
 * Inflates raw DEFLATE (`zlib: false`, zip entries) or zlib data (PDF `FlateDecode`), refusing
 * with {@link DecompressionBombError} as soon as the output passes `maxBytes` or the ratio
 * cap: the input is fed in 1 KiB slices, so no more than about 1 MiB is ever inflated past
 * the limit before it is noticed. `keep: false` counts without keeping the output (a scan).
 * Corrupt data ends the output where it breaks when `lenient` (PDF streams pdf.js may still
 * read), and throws otherwise.
 */
export function inflateBounded(
  data: Uint8Array,
  opts: { zlib: boolean; what: string; maxBytes?: number; keep?: boolean; lenient?: boolean },
): { bytes: Uint8Array; size: number } {
  const maxBytes = opts.maxBytes ?? MAX_INFLATED_BYTES;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const ondata = (chunk: Uint8Array) => {
    size += chunk.length;
    if (size > maxBytes || (size > RATIO_FLOOR_BYTES && size > MAX_INFLATE_RATIO * data.length)) {
      throw new DecompressionBombError(
        `${opts.what} inflates past ${maxBytes / 1024 / 1024} MiB or ${MAX_INFLATE_RATIO} times its compressed size: refused as a decompression bomb.`,
      );
    }
    if (opts.keep !== false) chunks.push(chunk);
  };
  const inflater = opts.zlib ? new Unzlib(ondata) : new Inflate(ondata);
  try {
    for (let at = 0; at < data.length; at += INFLATE_SLICE) {
      inflater.push(data.subarray(at, at + INFLATE_SLICE), at + INFLATE_SLICE >= data.length);
    }
    if (data.length === 0) inflater.push(data, true);
  } catch (cause) {
    if (cause instanceof DecompressionBombError || !opts.lenient) throw cause;
  }
  if (opts.keep === false) return { bytes: new Uint8Array(0), size };
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : new Uint8Array(size);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
  }
  return { bytes, size };
}

const STREAM = new TextEncoder().encode("stream");
const ENDSTREAM = new TextEncoder().encode("endstream");

/** First index of `needle` in `hay` at or after `from`, or -1 (linear for these short needles). */
function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * Bounds what pdf.js will inflate: every `stream … endstream` of the file that is zlib data
 * (`FlateDecode`, by far the most common filter) is inflated here first, counting only, and
 * the PDF is refused if any one passes the caps. Not bounded by this: streams under other
 * filters (LZW, run-length), streams of encrypted PDFs (inflated only after decryption), and
 * the sum over streams (which would refuse real PDFs of many Flate-compressed images, which
 * text extraction never decodes); pages are capped by {@link MAX_PDF_PAGES} instead.
 */
function checkPdfStreams(bytes: Uint8Array, name: string): void {
  for (let at = indexOfBytes(bytes, STREAM, 0); at !== -1; ) {
    let start = at + STREAM.length;
    if (bytes[start] === 13) start++;
    // The keyword, not the end of `endstream` or part of another word: `stream` then EOL.
    const isEnd = at >= 3 && bytes[at - 3] === 101 && bytes[at - 2] === 110 && bytes[at - 1] === 100;
    if (bytes[start] !== 10 || isEnd) {
      at = indexOfBytes(bytes, STREAM, at + STREAM.length);
      continue;
    }
    start++;
    const end = indexOfBytes(bytes, ENDSTREAM, start);
    const stop = end === -1 ? bytes.length : end;
    // zlib data starts with a CMF byte of method 8 (0x78 for the usual 32 KiB window).
    if (bytes[start] === 0x78) {
      inflateBounded(bytes.subarray(start, stop), {
        zlib: true,
        what: `A stream of the PDF "${name}"`,
        keep: false,
        lenient: true,
      });
    }
    at = end === -1 ? -1 : indexOfBytes(bytes, STREAM, end + ENDSTREAM.length);
  }
}

export type DocumentKind = "text" | "markdown" | "html" | "pdf" | "docx";

const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** The kind of a document by media type, then by file extension; null when unsupported. */
export function documentKind(contentType: string, name: string): DocumentKind | null {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const ext = name.toLowerCase().split(".").pop() ?? "";
  if (type === "application/pdf" || ext === "pdf") return "pdf";
  if (type === DOCX_TYPE || ext === "docx") return "docx";
  if (type === "text/html" || ext === "html" || ext === "htm") return "html";
  if (type === "text/markdown" || ext === "md" || ext === "markdown") return "markdown";
  if (type.startsWith("text/") || ext === "txt") return "text";
  return null;
}

/** True for audio the transcription step takes. */
export function isAudio(contentType: string, name: string): boolean {
  return contentType.toLowerCase().startsWith("audio/") || /\.(mp3|m4a|wav|ogg|oga|webm|flac|mp4)$/i.test(name);
}

/** The plain text of one document. */
export async function extractDocumentText(doc: { bytes: Uint8Array; contentType: string; name: string }) {
  const kind = documentKind(doc.contentType, doc.name);
  switch (kind) {
    case "text":
    case "markdown":
      return new TextDecoder().decode(doc.bytes).trim();
    case "html":
      // Nesting bounded first: html-to-text's parser is quadratic in depth (html-depth.ts).
      return htmlToText(limitHtmlDepth(new TextDecoder().decode(doc.bytes)), {
        wordwrap: false,
        selectors: [
          { selector: "a", options: { ignoreHref: true } },
          { selector: "img", format: "skip" },
        ],
      }).trim();
    case "pdf": {
      checkPdfStreams(doc.bytes, doc.name);
      try {
        const pdf = await getDocumentProxy(new Uint8Array(doc.bytes));
        if (pdf.numPages > MAX_PDF_PAGES) {
          throw new UnsupportedDocumentError(
            `The PDF "${doc.name}" has ${pdf.numPages} pages; StateX reads documents of up to ${MAX_PDF_PAGES}.`,
          );
        }
        const { text } = await pdfText(pdf, { mergePages: true });
        return text.trim();
      } catch (cause) {
        if (cause instanceof UnsupportedDocumentError) throw cause;
        throw new UnsupportedDocumentError(`The PDF "${doc.name}" could not be read (${String(cause).slice(0, 80)}).`);
      }
    }
    case "docx":
      return docxText(doc.bytes, doc.name);
    default:
      throw new UnsupportedDocumentError(`The file "${doc.name}" (${doc.contentType}) is not a supported document.`);
  }
}

/** Paragraph text of a DOCX: `<w:t>` runs, one line per `<w:p>`. */
async function docxText(bytes: Uint8Array, name: string): Promise<string> {
  let xml: Uint8Array | null;
  try {
    xml = unzipEntry(bytes, "word/document.xml", name);
  } catch (cause) {
    // A damaged zip (offsets past the end) is bad input too: never retried.
    if (cause instanceof UnsupportedDocumentError) throw cause;
    xml = null;
  }
  if (xml === null) throw new UnsupportedDocumentError(`The file "${name}" is not a readable DOCX document.`);
  const text = new TextDecoder().decode(xml);
  return text
    .split(/<\/w:p>/)
    .map((p) =>
      // Attributes as `[^<>]*`, not `[^>]*`: XML has no `<` in attribute values, and `[^>]*`
      // would let every `<w:t ` rescan to the end of a text with no `>` (quadratic).
      [...p.matchAll(/<w:t(?:\s[^<>]*)?>([^<]*)<\/w:t>/g)]
        .map((m) => m[1] ?? "")
        .join("")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&"),
    )
    .filter((line) => line.trim().length > 0)
    .join("\n")
    .trim();
}

/**
 * One entry of a zip archive, found through the central directory; null when absent. Its
 * inflation is bounded by {@link inflateBounded}; a stored entry is a slice of `zip` itself.
 */
export function unzipEntry(zip: Uint8Array, wanted: string, name = "the archive"): Uint8Array | null {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.byteLength - 22; i >= Math.max(0, zip.byteLength - 65_557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const entries = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  for (let n = 0; n < entries && p + 46 <= zip.byteLength; n++) {
    if (view.getUint32(p, true) !== 0x02014b50) return null;
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const entryName = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLength));
    if (entryName === wanted) {
      const localNameLength = view.getUint16(localOffset + 26, true);
      const localExtraLength = view.getUint16(localOffset + 28, true);
      const start = localOffset + 30 + localNameLength + localExtraLength;
      const data = zip.subarray(start, start + compressedSize);
      if (method === 0) return data;
      if (method !== 8) return null;
      return inflateBounded(data, { zlib: false, what: `The file "${name}"` }).bytes;
    }
    p += 46 + nameLength + extraLength + commentLength;
  }
  return null;
}

/**
 * Cuts audio into chunks of at most `maxBytes` for separate transcription calls. Byte cuts
 * are only safe for frame-based streams (MP3, ADTS AAC), where a decoder resynchronises at the
 * next frame; other formats are sent whole.
 */
export function audioChunks(bytes: Uint8Array, contentType: string, name: string, maxBytes: number): Uint8Array[] {
  const frameBased = /audio\/(mpeg|mp3|aac)/i.test(contentType) || /\.(mp3|aac)$/i.test(name);
  if (!frameBased || bytes.byteLength <= maxBytes) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.byteLength; i += maxBytes) chunks.push(bytes.subarray(i, i + maxBytes));
  return chunks;
}
