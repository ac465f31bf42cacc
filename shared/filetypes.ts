/**
 * The file types StateX accepts, and the check that a file is what it claims to be: the
 * declared media type must be on the allow-list, and the first bytes of the file (its "magic
 * bytes") must match it. Only types the pipeline can read are accepted: documents for the
 * `extract` step, audio for `transcribe` (images are not: no step reads them).
 */

export type Sniffed = "pdf" | "docx" | "zip" | "webm" | "ogg" | "mp3" | "aac" | "wav" | "mp4" | "flac" | "text" | null;

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** Accepted media types: the canonical type stored, and the content each must have. */
const ACCEPTED: Record<string, { canonical: string; is: Sniffed[] }> = {
  "application/pdf": { canonical: "application/pdf", is: ["pdf"] },
  [DOCX]: { canonical: DOCX, is: ["docx"] },
  "text/plain": { canonical: "text/plain", is: ["text"] },
  "text/markdown": { canonical: "text/markdown", is: ["text"] },
  "text/x-markdown": { canonical: "text/markdown", is: ["text"] },
  "text/html": { canonical: "text/html", is: ["text"] },
  "audio/webm": { canonical: "audio/webm", is: ["webm"] },
  // Browsers label MediaRecorder's and some players' files as video/webm or video/mp4.
  "video/webm": { canonical: "audio/webm", is: ["webm"] },
  "audio/ogg": { canonical: "audio/ogg", is: ["ogg"] },
  "audio/opus": { canonical: "audio/ogg", is: ["ogg"] },
  "application/ogg": { canonical: "audio/ogg", is: ["ogg"] },
  "audio/mpeg": { canonical: "audio/mpeg", is: ["mp3"] },
  "audio/mp3": { canonical: "audio/mpeg", is: ["mp3"] },
  "audio/aac": { canonical: "audio/aac", is: ["aac"] },
  "audio/wav": { canonical: "audio/wav", is: ["wav"] },
  "audio/x-wav": { canonical: "audio/wav", is: ["wav"] },
  "audio/wave": { canonical: "audio/wav", is: ["wav"] },
  "audio/vnd.wave": { canonical: "audio/wav", is: ["wav"] },
  "audio/mp4": { canonical: "audio/mp4", is: ["mp4"] },
  "audio/m4a": { canonical: "audio/mp4", is: ["mp4"] },
  "audio/x-m4a": { canonical: "audio/mp4", is: ["mp4"] },
  "video/mp4": { canonical: "audio/mp4", is: ["mp4"] },
  "audio/flac": { canonical: "audio/flac", is: ["flac"] },
  "audio/x-flac": { canonical: "audio/flac", is: ["flac"] },
};

/** The media types accepted, for documentation and error messages. */
export const ACCEPTED_TYPES = Object.keys(ACCEPTED);
/** The `accept` attribute of a file input. */
export const ACCEPT_ATTRIBUTE = [
  ...new Set([...ACCEPTED_TYPES, ".pdf", ".docx", ".txt", ".md", ".html", ".htm", ".mp3", ".m4a", ".wav", ".ogg"]),
].join(",");
/** Human summary of what is accepted. */
export const ACCEPTED_SUMMARY =
  "PDF, DOCX, plain text, Markdown and HTML documents; WebM, Ogg, MP3, AAC, WAV, M4A/MP4 and FLAC audio";

/** How many leading bytes `sniff` wants to see (fewer is fine at the end of a file). */
export const SNIFF_BYTES = 64 * 1024;

const ascii = (bytes: Uint8Array, at: number, text: string) => {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
};
const contains = (bytes: Uint8Array, text: string, within = bytes.length) => {
  const end = Math.min(bytes.length, within) - text.length;
  for (let i = 0; i <= end; i++) if (ascii(bytes, i, text)) return true;
  return false;
};

/** What the leading bytes of a file are, as far as this service cares; null: unknown binary. */
export function sniff(head: Uint8Array): Sniffed {
  // PDF readers accept the header anywhere in the first KiB.
  if (contains(head, "%PDF-", 1024)) return "pdf";
  if (ascii(head, 0, "PK\u0003\u0004")) {
    // OOXML packages carry `[Content_Types].xml`; a Word document's parts live under `word/`.
    return contains(head, "word/") && contains(head, "[Content_Types].xml") ? "docx" : "zip";
  }
  if (ascii(head, 0, "\u001a\u0045\u00df\u00a3")) return contains(head, "webm", 64) ? "webm" : null;
  if (ascii(head, 0, "OggS")) return "ogg";
  if (ascii(head, 0, "fLaC")) return "flac";
  if (ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) return "wav";
  if (ascii(head, 4, "ftyp")) return "mp4";
  if (ascii(head, 0, "ID3")) return "mp3";
  if (head.length >= 2 && head[0] === 0xff && ((head[1] ?? 0) & 0xf6) === 0xf0) return "aac";
  if (head.length >= 2 && head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0) return "mp3";
  return isText(head) ? "text" : null;
}

/** UTF-8 (a sequence cut at the end of `head` is fine) without NUL or other binary controls. */
function isText(head: Uint8Array): boolean {
  for (const b of head)
    if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 27)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

const BY_EXTENSION: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  html: "text/html",
  htm: "text/html",
  txt: "text/plain",
};
const BY_SNIFF: Partial<Record<NonNullable<Sniffed>, string>> = {
  pdf: "application/pdf",
  docx: DOCX,
  webm: "audio/webm",
  ogg: "audio/ogg",
  mp3: "audio/mpeg",
  aac: "audio/aac",
  wav: "audio/wav",
  mp4: "audio/mp4",
  flac: "audio/flac",
};

export type TypeVerdict =
  | { ok: true; contentType: string }
  | { ok: false; reason: "not-allowed" | "mismatch" | "unknown"; detail: string };

/**
 * Checks a file's declared type against its leading bytes. No declared type (or
 * `application/octet-stream`) means "find out": the sniffed type is used, for text the
 * extension picks among plain, Markdown and HTML.
 */
export function verifyFileType(head: Uint8Array, declared: string | undefined, name: string): TypeVerdict {
  const type = declared?.split(";")[0]?.trim().toLowerCase() || undefined;
  const found = sniff(head);
  if (!type || type === "application/octet-stream") {
    if (found === "text") {
      const ext = name.toLowerCase().split(".").pop() ?? "";
      return { ok: true, contentType: BY_EXTENSION[ext] ?? "text/plain" };
    }
    const contentType = found ? BY_SNIFF[found] : undefined;
    if (contentType) return { ok: true, contentType };
    return {
      ok: false,
      reason: "unknown",
      detail: `The file ${JSON.stringify(name)} is not of an accepted type (${ACCEPTED_SUMMARY}).`,
    };
  }
  const rule = ACCEPTED[type];
  if (!rule) {
    return {
      ok: false,
      reason: "not-allowed",
      detail: `The file ${JSON.stringify(name)} is ${type}, which is not accepted. Accepted: ${ACCEPTED_SUMMARY}.`,
    };
  }
  if (!rule.is.includes(found)) {
    return {
      ok: false,
      reason: "mismatch",
      detail: `The file ${JSON.stringify(name)} is declared as ${type}, but its content is ${found ? describe(found) : "not of that type"}.`,
    };
  }
  return { ok: true, contentType: rule.canonical };
}

function describe(found: NonNullable<Sniffed>): string {
  switch (found) {
    case "text":
      return "text";
    case "zip":
      return "a ZIP archive that is not a Word document";
    case "docx":
      return "a Word document";
    default:
      return `${found.toUpperCase()} data`;
  }
}

/** Longest stored file name, in characters. */
export const MAX_NAME_CHARS = 200;

/**
 * A file name that is safe to store and show: the last path segment only (`../../x` → `x`),
 * no control or bidi-override characters, no leading dots, at most 200 characters with the
 * extension kept. The name is never part of a storage key (those use the file's id).
 */
export function safeFileName(raw: string | undefined): string {
  let name = (raw ?? "").normalize("NFC");
  name = name.split(/[/\\]/).pop() ?? "";
  name = name
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, "")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+/, "")
    .replace(/[\s.]+$/, "");
  const chars = [...name];
  if (chars.length > MAX_NAME_CHARS) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 ? [...name.slice(dot)] : [];
    const keep = ext.length > 0 && ext.length <= 16 ? ext : [];
    name = chars.slice(0, MAX_NAME_CHARS - keep.length).join("") + keep.join("");
  }
  return name || "file";
}
