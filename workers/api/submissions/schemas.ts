import { z } from "@hono/zod-openapi";
import { MAX_MESSAGE_CHARS, MESSAGE_CHANNELS, STEP_STATUSES, SUBMISSION_STATUSES } from "../../../shared/db/schema";
import { WORKFLOW_NAMES } from "../../../shared/pipeline/workflows";
import { REVIEW_DECISIONS } from "../../../shared/review";
import { MAX_TEXT_CHARS } from "../../../shared/submissions/accept";

/** Largest JSON body accepted, in bytes: the text at up to 4 bytes a character, plus room. */
export const MAX_JSON_BODY_BYTES = MAX_TEXT_CHARS * 4 + 4096;

export const CreateSubmissionBody = z
  .object({
    text: z
      .string({ error: "text must be a string" })
      .trim()
      .min(1, { error: "text must not be empty" })
      .max(MAX_TEXT_CHARS, { error: `text must be at most ${MAX_TEXT_CHARS} characters` })
      .openapi({ description: "The request, in any language.", example: "Please summarise our Q3 supplier review." }),
    workflow: z
      .enum(WORKFLOW_NAMES, { error: `workflow must be one of ${WORKFLOW_NAMES.join(", ")}` })
      .optional()
      .openapi({
        description:
          "Which pipeline runs: `analyse` (default), `transcribe`, or `reviewed` (analyse, then wait for an admin's approval before delivery).",
        example: "analyse",
      }),
  })
  .strict()
  .openapi("CreateSubmission", {
    description: "A text request. The result is emailed to the address of the account that owns the API key.",
  });

export const ListQuery = z.object({
  status: z.enum(SUBMISSION_STATUSES).optional().openapi({ description: "Only submissions in this state." }),
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int({ error: "limit must be an integer" })
    .min(1, { error: "limit must be at least 1" })
    .max(100, { error: "limit must be at most 100" })
    .default(20)
    .openapi({ description: "Page size (1–100, default 20)." }),
  cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page." }),
});

export const SubmissionSummary = z
  .object({
    id: z.string(),
    status: z.enum(SUBMISSION_STATUSES),
    source: z.enum(["api", "portal", "email"]),
    summary: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("SubmissionSummary");

export const SubmissionPage = z
  .object({
    items: z.array(SubmissionSummary),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null at the end." }),
  })
  .openapi("SubmissionPage");

export const SubmissionFileParams = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    description: "Submission id (`sub_` + a ULID).",
    pattern: "^sub_[0-9A-HJKMNP-TV-Z]{26}$",
  }),
  fileId: z.string().openapi({
    param: { name: "fileId", in: "path" },
    description: "File id (`fil_` + a ULID), from the submission's `files`.",
    pattern: "^fil_[0-9A-HJKMNP-TV-Z]{26}$",
  }),
});

export const SubmissionIdParam = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    description: "Submission id (`sub_` + a ULID).",
    example: "sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
    pattern: "^sub_[0-9A-HJKMNP-TV-Z]{26}$",
  }),
});

export const SubmissionAccepted = z
  .object({
    id: z.string().openapi({ description: "The new submission's id." }),
    status: z.literal("queued").openapi({ description: "Always `queued` on acceptance." }),
    requestId: z.string().openapi({ description: "Correlation id of this request (also `X-Request-Id`)." }),
    links: z.object({ self: z.string().openapi({ description: "Where to follow the submission." }) }),
  })
  .openapi("SubmissionAccepted");

const isoTime = z.iso.datetime().openapi({ description: "ISO 8601 time (UTC)." });

export const Step = z
  .object({
    name: z.string().openapi({ description: "Pipeline step, in the order they run.", example: "analyse" }),
    status: z.enum(STEP_STATUSES).openapi({ description: "Step state." }),
    attempts: z.number().int().openapi({ description: "How many times the step has started." }),
    provider: z.string().nullable().openapi({ description: "AI provider used by the step, if any." }),
    error: z.string().nullable().openapi({ description: "Why the last attempt failed, if it did." }),
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
  })
  .openapi("Step");

export const SubmissionFile = z
  .object({
    id: z.string().openapi({ description: "File id (`fil_` + a ULID).", example: "fil_01JD6Z7Q4YVQ2B3K9M5N8P0R1S" }),
    name: z.string().openapi({
      description:
        "The file name as stored: the last path segment of the name sent, without control characters, at most 200 characters.",
      example: "supplier-review.pdf",
    }),
    contentType: z
      .string()
      .openapi({ description: "Media type, checked against the file's content.", example: "application/pdf" }),
    size: z.number().int().openapi({ description: "Size in bytes." }),
    sha256: z.string().openapi({ description: "SHA-256 of the bytes, lowercase hex (also the download's ETag)." }),
    links: z.object({ download: z.string().openapi({ description: "Where the owner downloads the file." }) }),
  })
  .openapi("SubmissionFile");

export const SubmissionSource = z
  .object({
    title: z.string().openapi({ description: "The cited page's title.", example: "Web development" }),
    url: z.string().openapi({
      description: "Absolute link to the cited section of our site.",
      example: "https://statex.example/services/web/#pricing",
    }),
    section: z
      .string()
      .nullable()
      .openapi({ description: "The cited section's heading, or null for the page's opening." }),
    locale: z.string().openapi({ description: "The page's locale.", example: "en" }),
    score: z.number().openapi({ description: "The passage's retrieval score (comparable only within one result)." }),
  })
  .openapi("SubmissionSource");

export const Submission = z
  .object({
    id: z.string().openapi({ description: "Submission id." }),
    status: z
      .enum(SUBMISSION_STATUSES)
      .openapi({ description: "Lifecycle state; `completed`, `failed` and `cancelled` are final." }),
    source: z.enum(["api", "portal", "email"]).openapi({ description: "How the request arrived." }),
    textChars: z.number().int().openapi({ description: "Length of the request text." }),
    summary: z.string().nullable().openapi({ description: "Plain-text summary of the result, once stored." }),
    error: z.string().nullable().openapi({ description: "Why the submission failed, when `status` is `failed`." }),
    workflow: z.string().openapi({ description: "The pipeline the submission runs.", example: "analyse" }),
    steps: z.array(Step).openapi({ description: "The step timeline." }),
    files: z.array(SubmissionFile).openapi({ description: "Files sent with the request, in the order sent." }),
    result: z
      .object({
        format: z.literal("markdown"),
        markdown: z.string().openapi({ description: "The result document." }),
        provider: z.string().nullable().openapi({ description: "AI provider that produced it." }),
      })
      .nullable()
      .openapi({ description: "The result, once stored." }),
    sources: z.array(SubmissionSource).openapi({
      description:
        "The pages of our site the result cites, in the order of its `## Sources` (citation `[n]` is item n); empty when none.",
    }),
    requestId: z.string().openapi({ description: "Correlation id the submission was created under." }),
    createdAt: isoTime,
    updatedAt: isoTime,
    completedAt: isoTime.nullable(),
  })
  .openapi("Submission");

export const SubmissionControl = z
  .object({
    id: z.string().openapi({ description: "Submission id." }),
    status: z.enum(SUBMISSION_STATUSES).openapi({ description: "The job's state after the action." }),
    error: z.string().nullable().openapi({ description: "The job's public error, if any." }),
    links: z.object({
      self: z.string().openapi({ description: "The submission." }),
      events: z.string().openapi({ description: "Live progress (WebSocket or SSE)." }),
    }),
  })
  .openapi("SubmissionControl", { description: "A submission after cancel or retry." });

export const SubmissionReviewQuery = z.object({
  decision: z
    .enum(REVIEW_DECISIONS, { error: "decision must be approve or reject" })
    .openapi({ description: "The reviewer's decision.", example: "approve" }),
  expires: z.coerce
    .number({ error: "expires must be a time in epoch milliseconds" })
    .int()
    .openapi({ description: "When the link stops working (epoch ms)." }),
  signature: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, { error: "signature must be 43 base64url characters" })
    .openapi({ description: "HMAC-SHA256 of the link, base64url." }),
});

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .openapi({ description: "URI reference naming the problem type.", example: "/problems/validation" }),
    title: z.string().openapi({ description: "Short summary of the problem type." }),
    status: z.number().int().openapi({ description: "HTTP status code." }),
    detail: z.string().optional().openapi({ description: "What went wrong with this request." }),
    instance: z.string().optional().openapi({ description: "The request path." }),
    requestId: z.string().optional().openapi({ description: "Correlation id, for support." }),
    errors: z
      .array(
        z.object({
          pointer: z.string().openapi({ description: "JSON Pointer to the invalid field.", example: "/email" }),
          detail: z.string().openapi({ description: "What is wrong with it." }),
        }),
      )
      .optional()
      .openapi({ description: "Each invalid field, for validation problems." }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

export type CreateSubmissionInput = z.infer<typeof CreateSubmissionBody>;
export type SubmissionView = z.infer<typeof Submission>;

export const SubmissionResult = z
  .object({
    id: z.string(),
    format: z.literal("markdown"),
    markdown: z.string().openapi({ description: "The result document." }),
    summary: z.string().nullable().openapi({ description: "Plain-text summary." }),
    provider: z.string().nullable().openapi({ description: "AI provider that produced it." }),
  })
  .openapi("SubmissionResult");

/** `?limit&cursor` of a request's thread. */
export const MessagesQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int({ error: "limit must be an integer" })
    .min(1, { error: "limit must be at least 1" })
    .max(200, { error: "limit must be at most 200" })
    .default(50)
    .openapi({ description: "Page size (1–200, default 50)." }),
  cursor: z.string().max(200).optional().openapi({ description: "`nextCursor` of the previous page." }),
});

export const PostMessageBody = z
  .object({
    body: z
      .string({ error: "body must be a string" })
      .trim()
      .min(1, { error: "body must not be empty" })
      .max(MAX_MESSAGE_CHARS, { error: `body must be at most ${MAX_MESSAGE_CHARS} characters` })
      .openapi({
        description:
          "The message: plain text from the customer, markdown from staff. Lands in the request's thread, reopens it, and tells the other side.",
        example: "Thanks — can you also check the second quote?",
      }),
  })
  .strict()
  .openapi("PostMessage");

export const ThreadMessage = z
  .object({
    id: z.string().openapi({ description: "`msg_` + ULID.", example: "msg_01JF0000000000000000000000" }),
    kind: z.enum(["customer", "reply"]).openapi({
      description: "`customer`: the request's customer wrote it; `reply`: staff answered. Internal notes never appear.",
    }),
    channel: z
      .enum(MESSAGE_CHANNELS)
      .openapi({ description: "How it came in: `portal`, `api`, `email`, or `desk` (staff)." }),
    body: z.string(),
    fileIds: z
      .array(z.string())
      .openapi({ description: "Files (`/v1/submissions/{id}/files/{fileId}`) that came with it." }),
    createdAt: z.iso.datetime(),
  })
  .openapi("ThreadMessage");

export const ThreadMessagePage = z
  .object({
    items: z.array(ThreadMessage).openapi({ description: "Oldest first." }),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null at the end." }),
  })
  .openapi("ThreadMessagePage");
