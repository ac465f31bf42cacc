import { sha256Hex, toHex } from "../../../shared/crypto";
import { MultipartError, multipartBoundary, type StreamedPart, streamMultipart } from "../../../shared/http/multipart";
import { HttpProblem } from "../../../shared/http/problem";
import { newSubmissionId } from "../../../shared/ids";
import { type AcceptContext, acceptSubmission } from "../../../shared/submissions/accept";
import {
  discardUploads,
  fileTooLarge,
  formatBytes,
  type StoredUpload,
  storeSubmissionFile,
  type UploadLimits,
  uploadLimits,
} from "../../../shared/submissions/files";
import { fieldErrors } from "../validation";
import { CreateSubmissionBody, MAX_JSON_BODY_BYTES } from "./schemas";

/**
 * `multipart/form-data` intake, shared by `POST /v1/submissions` and the portal: plain fields
 * are collected (each at most `MAX_JSON_BODY_BYTES`), every file part streams into R2 through
 * `storeSubmissionFile` while the request arrives. The whole request is held to
 * `maxRequestBytes` (counted on the raw body, so framing counts too) and `maxFiles`.
 */

/** What one multipart request carried. */
export interface MultipartSubmission {
  /** Plain fields by name (the last one wins when a name repeats). */
  fields: Record<string, string>;
  /** Files stored in R2, in the order sent (empty in `hashOnly` mode). */
  uploads: StoredUpload[];
  /**
   * SHA-256 over the fields and, per file, its field name, file name, declared type and the
   * SHA-256 of its bytes: the same for every re-send of the same form whatever the multipart
   * boundary, so `Idempotency-Key` can compare requests.
   */
  fingerprint: string;
}

export const requestTooLarge = (max: number) =>
  new HttpProblem(
    413,
    "payload-too-large",
    "Payload Too Large",
    `The request is larger than ${formatBytes(max)} (${max} bytes), the limit for one request with all its files.`,
  );

const tooManyFiles = (max: number) =>
  new HttpProblem(413, "payload-too-large", "Payload Too Large", `A request may carry at most ${max} files.`);

async function readField(part: StreamedPart): Promise<string> {
  const reader = part.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JSON_BODY_BYTES) {
      await reader.cancel();
      throw new HttpProblem(
        413,
        "payload-too-large",
        "Payload Too Large",
        `The field ${JSON.stringify(part.name.slice(0, 40))} is larger than ${MAX_JSON_BODY_BYTES} bytes.`,
      );
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
}

/** The stream without its content if it has none (a browser's empty file input); else an equal stream. */
async function nonEmpty(body: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array> | null> {
  const reader = body.getReader();
  let first: ReadableStreamReadResult<Uint8Array>;
  do first = await reader.read();
  while (!first.done && first.value.byteLength === 0);
  if (first.done) return null;
  const head = first.value;
  let sent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(head);
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** SHA-256 and size of a stream, held to `max` bytes. */
async function hashStream(body: ReadableStream<Uint8Array>, name: string, max: number) {
  const digest = new crypto.DigestStream("SHA-256");
  digest.digest.catch(() => undefined);
  const writer = digest.getWriter();
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw fileTooLarge(name, max);
    }
    await writer.write(value);
  }
  await writer.close();
  return toHex(await digest.digest);
}

/**
 * Reads a multipart submission. With `hashOnly`, files are hashed but not stored (to compare a
 * re-sent request with the one an `Idempotency-Key` first saw). `beforeFirstFile` runs once the
 * fields before the first file are read (the portal checks its CSRF token there, so nothing
 * is stored for a forged form). On any error the files stored so far are deleted again.
 */
export async function readMultipartSubmission(
  env: Pick<Env, "FILES">,
  request: Request,
  options: {
    submissionId: string;
    limits: UploadLimits;
    hashOnly?: boolean;
    beforeFirstFile?: (fields: Record<string, string>) => void;
  },
): Promise<MultipartSubmission> {
  const { limits } = options;
  const boundary = multipartBoundary(request.headers.get("content-type"));
  if (!boundary || !request.body) {
    throw new HttpProblem(
      400,
      "malformed-multipart",
      "Malformed Multipart Body",
      "A multipart/form-data request needs a boundary parameter and a body.",
    );
  }
  const declaredLength = Number(request.headers.get("content-length"));
  if (Number.isFinite(declaredLength) && declaredLength > limits.maxRequestBytes) {
    throw requestTooLarge(limits.maxRequestBytes);
  }
  const fields: Record<string, string> = {};
  const uploads: StoredUpload[] = [];
  const described: unknown[] = [];
  let files = 0;
  let received = 0;
  try {
    const parts = streamMultipart(request.body, boundary, {
      onBytes: (n) => {
        received += n;
        if (received > limits.maxRequestBytes) throw requestTooLarge(limits.maxRequestBytes);
      },
    });
    for await (const part of parts) {
      if (part.filename === undefined) {
        fields[part.name] = await readField(part);
        continue;
      }
      const body = await nonEmpty(part.body);
      if (!body) continue;
      if (++files > limits.maxFiles) throw tooManyFiles(limits.maxFiles);
      if (files === 1) options.beforeFirstFile?.(fields);
      let sha256: string;
      if (options.hashOnly) {
        sha256 = await hashStream(body, part.filename, limits.maxFileBytes);
      } else {
        const stored = await storeSubmissionFile(env, {
          submissionId: options.submissionId,
          name: part.filename,
          declaredType: part.contentType,
          body,
          limits,
        });
        uploads.push(stored);
        sha256 = stored.sha256;
      }
      described.push([part.name, part.filename, part.contentType ?? "", sha256]);
    }
    const sortedFields = Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const fingerprint = await sha256Hex(JSON.stringify({ fields: sortedFields, files: described }));
    return { fields, uploads, fingerprint };
  } catch (error) {
    await discardUploads(env, uploads).catch(() => undefined);
    if (error instanceof MultipartError) {
      throw new HttpProblem(400, "malformed-multipart", "Malformed Multipart Body", error.message, { cause: error });
    }
    throw error;
  }
}

/** True for a `multipart/form-data` request. */
export const isMultipart = (request: Request) =>
  /^\s*multipart\/form-data\s*(;|$)/i.test(request.headers.get("content-type") ?? "");

/**
 * A whole multipart submission: files streamed to R2 under a new submission id, the fields
 * validated like a JSON body (`CreateSubmissionBody`; `extraFields`, such as the portal's
 * `_csrf`, are set aside first), then `acceptSubmission` with the files. `onFingerprint` gets
 * the request's fingerprint as soon as the body is read. Nothing is left in R2 or D1 when any
 * step refuses the request.
 */
export async function acceptMultipartSubmission(
  env: Env,
  request: Request,
  ctx: Omit<AcceptContext, "id" | "files"> & {
    extraFields?: readonly string[];
    beforeFirstFile?: (fields: Record<string, string>) => void;
    /** Runs on all the fields once the body is read, before validation; may throw. */
    checkFields?: (fields: Record<string, string>) => void;
    onFingerprint?: (fingerprint: string) => void;
  },
): Promise<{ id: string; files: StoredUpload[] }> {
  const now = ctx.now ?? Date.now();
  const id = newSubmissionId(now);
  const read = await readMultipartSubmission(env, request, {
    submissionId: id,
    limits: uploadLimits(env),
    beforeFirstFile: ctx.beforeFirstFile,
  });
  ctx.onFingerprint?.(read.fingerprint);
  try {
    ctx.checkFields?.(read.fields);
    const data: Record<string, string> = { ...read.fields };
    for (const name of ctx.extraFields ?? []) delete data[name];
    const parsed = CreateSubmissionBody.safeParse(data);
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error, data);
      throw new HttpProblem(
        422,
        "validation",
        "Validation Failed",
        errors.length === 1 ? `${errors[0]?.pointer}: ${errors[0]?.detail}` : `${errors.length} fields are invalid.`,
        { errors },
      );
    }
    await acceptSubmission(env, parsed.data, { ...ctx, now, id, files: read.uploads });
  } catch (error) {
    await discardUploads(env, read.uploads).catch(() => undefined);
    throw error;
  }
  return { id, files: read.uploads };
}
