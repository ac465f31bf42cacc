/**
 * Accepting a request, whatever channel it came by (API, portal, email): its raw input to R2,
 * its rows in one D1 batch, then the job message and the "created" webhook event.
 */

import { db } from "../db/client";
import type { SubmissionRow, UserRow, WebhookEndpointRow } from "../db/schema";
import { HttpProblem } from "../http/problem";
import { newSubmissionId } from "../ids";
import type { Logger } from "../log";
import type { JobMessage, StaffNotifyMessage } from "../messages";
import { DEFAULT_WORKFLOW, reviewPolicyFor } from "../pipeline/workflows";
import { activeEndpoints, emitWebhookEvent } from "../webhooks/deliver";
import { discardUploads, type StoredUpload, storeSubmissionFile, type UploadLimits, uploadLimits } from "./files";
import { inputKey } from "./keys";
import { excerptOf, submissionInserts } from "./repo";

/** Longest request text accepted, in characters (UTF-16 code units, as JavaScript counts). */
export const MAX_TEXT_CHARS = 20_000;

/** What a request asks, as every channel gives it: its text and (optionally) its workflow. */
export interface NewRequest {
  text: string;
  workflow?: string;
  /** Overrides the workflow's review policy (a mail route's); absent: `reviewPolicyFor`. */
  reviewPolicy?: "auto" | "review";
  /** Whom the request is assigned to on arrival (a mail route's; an active member of staff). */
  assigneeId?: string | null;
}

/** The raw input as kept in R2 at `inputs/<id>.json`: what the pipeline reads. */
export interface StoredInput {
  id: string;
  source: SubmissionRow["source"];
  email: string;
  text: string;
  receivedAt: string;
  correlationId: string;
  /**
   * Files sent with the request, already in R2 (audio to transcribe, documents to read).
   * Written by file intake (issue 7); absent for a text-only request.
   */
  files?: StoredFile[];
}

export interface StoredFile {
  /** `files/<submissionId>/<fileId>`. */
  key: string;
  name: string;
  contentType: string;
  /** Set for files stored by intake (absent in inputs written before it). */
  fileId?: string;
  size?: number;
  sha256?: string;
}

/** The context of an acceptance: who, through which channel, under which correlation id. */
export interface AcceptContext {
  user: Pick<UserRow, "id" | "email">;
  source: SubmissionRow["source"];
  correlationId: string;
  log: Logger;
  now?: number;
  /** A submission id chosen beforehand (files are stored under it before acceptance). */
  id?: string;
  /** Files already stored under `files/<id>/` (`storeSubmissionFile`); deleted again if not accepted. */
  files?: StoredUpload[];
}

/**
 * Accepts a request: raw input to R2, then the submission and its steps in one D1 batch, then
 * the job message. Once the D1 batch commits the request is accepted: if the enqueue fails, the
 * cron re-drive starts the job later, so the caller still gets 202 and nothing is lost.
 */
export async function acceptSubmission(env: Env, input: NewRequest, ctx: AcceptContext): Promise<{ id: string }> {
  const now = ctx.now ?? Date.now();
  const id = ctx.id ?? newSubmissionId(now);
  const key = inputKey(id);
  const files = ctx.files ?? [];
  const stored: StoredInput = {
    id,
    source: ctx.source,
    email: ctx.user.email,
    text: input.text,
    receivedAt: new Date(now).toISOString(),
    correlationId: ctx.correlationId,
    ...(files.length > 0
      ? {
          files: files.map((f) => ({
            key: f.key,
            name: f.name,
            contentType: f.contentType,
            fileId: f.id,
            size: f.size,
            sha256: f.sha256,
          })),
        }
      : {}),
  };
  try {
    await env.FILES.put(key, JSON.stringify(stored), {
      httpMetadata: { contentType: "application/json" },
      customMetadata: { submissionId: id, correlationId: ctx.correlationId },
    });
  } catch (error) {
    await discardUploads(env, files).catch(() => undefined);
    throw error;
  }
  const d = db(env.DB);
  let endpoints: WebhookEndpointRow[];
  try {
    // One D1 round trip: the rows, and (read in the same transaction) the user's webhook
    // endpoints for the "created" event.
    const [first, ...rest] = submissionInserts(d, {
      id,
      userId: ctx.user.id,
      source: ctx.source,
      email: ctx.user.email,
      textChars: input.text.length,
      excerpt: excerptOf(input.text),
      inputKey: key,
      correlationId: ctx.correlationId,
      workflow: input.workflow,
      reviewPolicy: input.reviewPolicy ?? reviewPolicyFor(input.workflow ?? DEFAULT_WORKFLOW, env),
      assigneeId: input.assigneeId ?? null,
      files,
      now,
    });
    const written = await d.batch([first, ...rest, activeEndpoints(d, ctx.user.id)]);
    endpoints = written[written.length - 1] as WebhookEndpointRow[];
  } catch (error) {
    // Not accepted: leave no orphan input or file behind.
    await env.FILES.delete([key, ...files.map((f) => f.key)]).catch(() => undefined);
    throw error;
  }
  const message: JobMessage = { kind: "job.start", submissionId: id, correlationId: ctx.correlationId };
  const staffNotice: StaffNotifyMessage = { kind: "notify.staff", submissionId: id, correlationId: ctx.correlationId };
  // The job, the staff's notice and the "created" event are independent: all are sent at once.
  await Promise.all([
    env.JOBS.send(message).catch((error: unknown) => {
      ctx.log.error("enqueue failed; the scheduled re-drive will start the job", { submissionId: id, error });
    }),
    env.NOTIFICATIONS.send(staffNotice).catch((error: unknown) => {
      // The request is accepted and the desk lists it; a lost notice must not undo that.
      ctx.log.error("could not queue the staff notice", { submissionId: id, error });
    }),
    emitWebhookEvent(
      env,
      ctx.user.id,
      "submission.created",
      { id, status: "queued", source: ctx.source, createdAt: new Date(now).toISOString() },
      now,
      endpoints,
    ).catch((error: unknown) => {
      // The submission is accepted; a lost "created" event must not turn that into an error.
      ctx.log.error("could not queue webhook event", { submissionId: id, error });
    }),
  ]);
  ctx.log.info("submission accepted", {
    submissionId: id,
    source: ctx.source,
    textChars: input.text.length,
    files: files.length,
  });
  return { id };
}

/** A file to attach that is not stored yet (an email attachment, say). */
export interface Attachment {
  name: string | undefined;
  /** The declared media type; checked against the content. */
  contentType: string | undefined;
  body: ReadableStream<Uint8Array> | Uint8Array;
}

/**
 * Stores `attachments` under a new submission id and accepts the submission with them: one
 * call for channels that carry files (inbound email). Limits are the configured ones unless
 * given. Any file refused (413, 415, 422 as `HttpProblem`) refuses the whole submission and
 * leaves nothing behind in R2 or D1; callers that prefer to drop a bad attachment and go on
 * call `storeSubmissionFile` per file themselves and pass `ctx.files`.
 */
export async function acceptSubmissionWithFiles(
  env: Env,
  input: NewRequest,
  ctx: Omit<AcceptContext, "id" | "files">,
  attachments: Attachment[],
  limits: UploadLimits = uploadLimits(env),
): Promise<{ id: string; files: StoredUpload[] }> {
  const now = ctx.now ?? Date.now();
  const id = newSubmissionId(now);
  const files: StoredUpload[] = [];
  try {
    if (attachments.length > limits.maxFiles) {
      throw new HttpProblem(413, "payload-too-large", "Payload Too Large", `At most ${limits.maxFiles} files.`);
    }
    let total = 0;
    for (const a of attachments) {
      const stored = await storeSubmissionFile(env, {
        submissionId: id,
        name: a.name,
        declaredType: a.contentType,
        body: a.body,
        limits,
      });
      files.push(stored);
      total += stored.size;
      if (total > limits.maxRequestBytes) {
        throw new HttpProblem(
          413,
          "payload-too-large",
          "Payload Too Large",
          `The files add up to more than ${limits.maxRequestBytes} bytes.`,
        );
      }
    }
  } catch (error) {
    await discardUploads(env, files).catch(() => undefined);
    throw error;
  }
  await acceptSubmission(env, input, { ...ctx, now, id, files });
  return { id, files };
}
