import { asc, eq } from "drizzle-orm";
import { toHex } from "../crypto";
import type { Db } from "../db/client";
import { type SubmissionFileRow, submissionFiles } from "../db/schema";
import { SNIFF_BYTES, safeFileName, verifyFileType } from "../filetypes";
import { HttpProblem } from "../http/problem";
import { ulid } from "../ids";
import { fileKey } from "./keys";

/**
 * Files of a submission: stored in R2 at `files/<submissionId>/<fileId>` while the upload
 * streams in (never held whole in memory), their metadata in D1 (`submission_files`, written
 * in the submission's own D1 batch). Used by API multipart intake, the portal, and inbound
 * email attachments.
 */

/** Upload limits, from the `UPLOAD_MAX_*` vars (see wrangler.toml). */
export interface UploadLimits {
  /** Largest single file, in bytes. */
  maxFileBytes: number;
  /** Largest whole request (all files, fields and multipart framing), in bytes. */
  maxRequestBytes: number;
  /** Most files in one submission. */
  maxFiles: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 25 * 1024 * 1024,
  maxRequestBytes: 90 * 1024 * 1024,
  maxFiles: 10,
};

/** The configured limits; a missing or unreadable var falls back to the default. */
export function uploadLimits(env: {
  UPLOAD_MAX_FILE_BYTES?: string;
  UPLOAD_MAX_REQUEST_BYTES?: string;
  UPLOAD_MAX_FILES?: string;
}): UploadLimits {
  const num = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isInteger(n) && n > 0 ? n : fallback;
  };
  return {
    maxFileBytes: num(env.UPLOAD_MAX_FILE_BYTES, DEFAULT_UPLOAD_LIMITS.maxFileBytes),
    maxRequestBytes: num(env.UPLOAD_MAX_REQUEST_BYTES, DEFAULT_UPLOAD_LIMITS.maxRequestBytes),
    maxFiles: num(env.UPLOAD_MAX_FILES, DEFAULT_UPLOAD_LIMITS.maxFiles),
  };
}

/** `12.5 MB`-style sizes for error messages and the portal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
}

/** One stored file: what goes into `StoredInput.files` and the `submission_files` row. */
export interface StoredUpload {
  /** `fil_` + ULID. */
  id: string;
  /** `files/<submissionId>/<id>`. */
  key: string;
  /** Safe display name (`safeFileName`). */
  name: string;
  /** Canonical media type, verified against the file's magic bytes. */
  contentType: string;
  size: number;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
}

export const FILE_ID_PATTERN = /^fil_[0-9A-HJKMNP-TV-Z]{26}$/;

/** R2 multipart part size: R2 wants every part but the last of one size, at least 5 MiB. */
export const R2_PART_BYTES = 5 * 1024 * 1024;

export const fileTooLarge = (name: string, max: number) =>
  new HttpProblem(
    413,
    "payload-too-large",
    "Payload Too Large",
    `The file ${JSON.stringify(name)} is larger than ${formatBytes(max)} (${max} bytes), the limit for one file.`,
  );

function concatAll(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Takes exactly `n` bytes off the front of `chunks` (which hold at least `n`). */
function takeBytes(chunks: Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const head = chunks[0] as Uint8Array;
    const want = n - at;
    if (head.length <= want) {
      out.set(head, at);
      at += head.length;
      chunks.shift();
    } else {
      out.set(head.subarray(0, want), at);
      chunks[0] = head.subarray(want);
      at += want;
    }
  }
  return out;
}

/**
 * Streams one file into R2 at `files/<submissionId>/<new file id>`: its type is checked
 * against its first bytes (415 on a lie or a type not accepted), its size against
 * `maxFileBytes` as it arrives (413), and its SHA-256 is computed on the way through
 * (`crypto.DigestStream`). Small files take one `put`; larger ones an R2 multipart upload in
 * `partBytes` parts, so memory holds at most one part. On any failure nothing of the file is
 * left in R2 (the multipart upload is aborted) and the error is rethrown; the caller owns the
 * cleanup of files stored earlier in the same request (`discardUploads`).
 */
export async function storeSubmissionFile(
  env: Pick<Env, "FILES">,
  file: {
    submissionId: string;
    /** The name as sent; stored through `safeFileName`. */
    name: string | undefined;
    /** The declared media type (`undefined`/`application/octet-stream`: taken from the content). */
    declaredType: string | undefined;
    body: ReadableStream<Uint8Array> | Uint8Array;
    limits: Pick<UploadLimits, "maxFileBytes">;
    /** Part size of the R2 multipart upload (default 5 MiB, R2's minimum). */
    partBytes?: number;
  },
): Promise<StoredUpload> {
  const id = `fil_${ulid()}`;
  const key = fileKey(file.submissionId, id);
  const name = safeFileName(file.name);
  const partBytes = file.partBytes ?? R2_PART_BYTES;
  const stream = file.body instanceof Uint8Array ? new Blob([file.body]).stream() : file.body;
  const reader = stream.getReader();
  const digest = new crypto.DigestStream("SHA-256");
  // Rejects when the upload is abandoned; awaited only on success.
  digest.digest.catch(() => undefined);
  const hashing = digest.getWriter();
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let size = 0;
  let contentType: string | null = null;
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];

  const check = () => {
    if (contentType) return;
    const head = concatAll(pending, pendingBytes).subarray(0, SNIFF_BYTES);
    const verdict = verifyFileType(head, file.declaredType, name);
    if (!verdict.ok) throw new HttpProblem(415, "unsupported-media-type", "Unsupported Media Type", verdict.detail);
    contentType = verdict.contentType;
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > file.limits.maxFileBytes) throw fileTooLarge(name, file.limits.maxFileBytes);
      await hashing.write(value);
      pending.push(value);
      pendingBytes += value.byteLength;
      if (pendingBytes >= SNIFF_BYTES) check();
      while (pendingBytes >= partBytes) {
        check();
        upload ??= await env.FILES.createMultipartUpload(key, {
          httpMetadata: { contentType: contentType ?? undefined },
          customMetadata: { submissionId: file.submissionId },
        });
        parts.push(await upload.uploadPart(parts.length + 1, takeBytes(pending, partBytes)));
        pendingBytes -= partBytes;
      }
    }
    if (size === 0) {
      throw new HttpProblem(422, "validation", "Validation Failed", `The file ${JSON.stringify(name)} is empty.`, {
        errors: [{ pointer: "/files", detail: `${name} is empty` }],
      });
    }
    check();
    await hashing.close();
    const sha256 = toHex(await digest.digest);
    const stored = contentType ?? "application/octet-stream";
    if (upload) {
      if (pendingBytes > 0) parts.push(await upload.uploadPart(parts.length + 1, concatAll(pending, pendingBytes)));
      await upload.complete(parts);
    } else {
      await env.FILES.put(key, concatAll(pending, pendingBytes), {
        httpMetadata: { contentType: stored },
        customMetadata: { submissionId: file.submissionId, sha256 },
        sha256,
      });
    }
    return { id, key, name, contentType: stored, size, sha256 };
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    await hashing.abort(error).catch(() => undefined);
    if (upload) await upload.abort().catch(() => undefined);
    throw error;
  }
}

/** Deletes the R2 objects of files stored for a request that is not going ahead. */
export async function discardUploads(env: Pick<Env, "FILES">, uploads: Pick<StoredUpload, "key">[]): Promise<void> {
  if (uploads.length > 0) await env.FILES.delete(uploads.map((u) => u.key));
}

/** The file rows of a submission, in the order they were sent. */
export async function listSubmissionFiles(d: Db, submissionId: string) {
  return d
    .select()
    .from(submissionFiles)
    .where(eq(submissionFiles.submissionId, submissionId))
    .orderBy(asc(submissionFiles.position));
}

/** One file row of a submission; null for an unknown or malformed id. */
export async function findSubmissionFile(
  d: Db,
  submissionId: string,
  fileId: string,
): Promise<SubmissionFileRow | null> {
  if (!FILE_ID_PATTERN.test(fileId)) return null;
  const [row] = await d.select().from(submissionFiles).where(eq(submissionFiles.id, fileId)).limit(1);
  return row && row.submissionId === submissionId ? row : null;
}

/** The insert of a submission's file rows, for its D1 batch. */
export function fileRows(submissionId: string, uploads: StoredUpload[], now: number) {
  return uploads.map((u, position) => ({
    id: u.id,
    submissionId,
    position,
    name: u.name,
    contentType: u.contentType,
    size: u.size,
    sha256: u.sha256,
    key: u.key,
    createdAt: now,
  }));
}

/**
 * `Content-Disposition: attachment` for a download (RFC 6266): an ASCII fallback `filename`
 * and the exact name as RFC 8187 `filename*` (UTF-8, percent-encoded).
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\%]/g, "_") || "file";
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
