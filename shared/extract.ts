import { convert as htmlToText } from "html-to-text";
import { getDocumentProxy, extractText as pdfText } from "unpdf";

/**
 * Document text extraction that runs in workerd: plain text and markdown as they are, HTML
 * through `html-to-text`, PDF through `unpdf` (pdf.js built for serverless runtimes), and DOCX by
 * reading `word/document.xml` out of the zip with the platform's own `DecompressionStream`
 * (mammoth, the usual choice, pulls in Node-only modules).
 */

/** A document the pipeline cannot read: bad input, so no retry is attempted. */
export class UnsupportedDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedDocumentError";
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
      return htmlToText(new TextDecoder().decode(doc.bytes), {
        wordwrap: false,
        selectors: [
          { selector: "a", options: { ignoreHref: true } },
          { selector: "img", format: "skip" },
        ],
      }).trim();
    case "pdf": {
      try {
        const pdf = await getDocumentProxy(new Uint8Array(doc.bytes));
        const { text } = await pdfText(pdf, { mergePages: true });
        return text.trim();
      } catch (cause) {
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
  const xml = await unzipEntry(bytes, "word/document.xml");
  if (xml === null) throw new UnsupportedDocumentError(`The file "${name}" is not a readable DOCX document.`);
  const text = new TextDecoder().decode(xml);
  return text
    .split(/<\/w:p>/)
    .map((p) =>
      [...p.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)]
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

/** One entry of a zip archive, found through the central directory; null when absent. */
export async function unzipEntry(zip: Uint8Array, wanted: string): Promise<Uint8Array | null> {
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
      const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
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
