/**
 * The contract of `/v1/submissions`: each operation's OpenAPI definition — path, request
 * schemas, responses with their problems, and the API-key scope it needs — from which the
 * document at `/openapi.json` and the `hono/client` types are made. The handlers are in
 * `routes.ts`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ACCEPTED_TYPES } from "../../../shared/filetypes";
import { WORKFLOW_NAMES } from "../../../shared/pipeline/workflows";
import { MAX_TEXT_CHARS } from "../../../shared/submissions/accept";
import { requireApi } from "../../auth/middleware";
import { idempotency } from "../idempotency";
import { authProblems, problem } from "../openapi";
import {
  CreateSubmissionBody,
  ListQuery,
  MessagesQuery,
  PostMessageBody,
  Submission,
  SubmissionAccepted,
  SubmissionControl,
  SubmissionFileParams,
  SubmissionIdParam,
  SubmissionPage,
  SubmissionResult,
  SubmissionReviewQuery,
  ThreadMessage,
  ThreadMessagePage,
} from "./schemas";

const security = [{ bearerAuth: [] }];

/** The multipart form, documented as JSON Schema (the body is streamed, not validated by zod). */
const MultipartBody = {
  type: "object" as const,
  required: ["text"],
  properties: {
    text: {
      type: "string" as const,
      maxLength: MAX_TEXT_CHARS,
      description: "The request, in any language (as in the JSON body).",
    },
    workflow: {
      type: "string" as const,
      enum: [...WORKFLOW_NAMES],
      description: "Which pipeline runs (as in the JSON body).",
    },
    files: {
      type: "array" as const,
      items: { type: "string" as const, contentMediaType: "application/octet-stream" },
      description:
        "Any number of file parts (up to `UPLOAD_MAX_FILES`), under any field name: documents to read and audio to transcribe. Each part's `Content-Type` must be accepted and match the file's content (magic bytes); without one, the type is taken from the content. Each file at most `UPLOAD_MAX_FILE_BYTES`, the whole request at most `UPLOAD_MAX_REQUEST_BYTES`.",
    },
  },
};

/** `POST /v1/submissions` as documented: JSON or multipart. */
export const createDocumented = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a request (text, or text with files)",
  description: `Accepts a request, stores it, and queues its job. The result is emailed to the account's address and can be followed at the \`Location\` returned.

Send \`application/json\` for text alone, or \`multipart/form-data\` with a \`text\` field, an optional \`workflow\` field and file parts. Files stream to storage as they arrive; each is checked against the allow-list by its content, and its SHA-256 recorded. Accepted types: ${ACCEPTED_TYPES.map((t) => `\`${t}\``).join(", ")}. A refused request (413, 415, 422) leaves nothing stored.

With \`Idempotency-Key\`, a multipart request is compared by its fields and, per file, field name, file name, declared type and SHA-256 (not by the multipart boundary, which clients choose anew on every send).`,
  tags: ["Submissions"],
  security,
  request: {
    headers: z.object({
      "idempotency-key": z.string().optional().openapi({
        description:
          "Makes the POST safe to retry: the first response is replayed for 24 h (`Idempotent-Replayed: true`); the same key with another body is refused (422); while the first request runs, 409 with `Retry-After`.",
        example: "3f1c9a4e-8f0b-4a51-9d3e-6a2c1b7e0d42",
      }),
    }),
    body: {
      required: true,
      content: {
        "application/json": { schema: CreateSubmissionBody },
        "multipart/form-data": {
          schema: MultipartBody,
          encoding: { files: { contentType: ACCEPTED_TYPES.join(", ") } },
        },
      },
    },
  },
  responses: {
    202: {
      description: "Accepted: the submission is queued.",
      headers: { Location: { schema: { type: "string" }, description: "URL of the new submission." } },
      content: { "application/json": { schema: SubmissionAccepted } },
    },
    400: problem("Malformed JSON or multipart body, or a bad Idempotency-Key."),
    ...authProblems("submissions:write"),
    409: problem("A request with this Idempotency-Key is still in progress."),
    413: problem("The body, a file, or the number of files is over its limit (the limit is in `detail`)."),
    415: problem(
      "The body is neither `application/json` nor `multipart/form-data`, or a file's type is not accepted or does not match its content.",
    ),
    422: problem("A field is missing or invalid, a file is empty, or the Idempotency-Key was used with another body."),
    429: problem("The API key's rate limit is reached; see `Retry-After`."),
  },
});

/** `GET /v1/submissions/{id}/files/{fileId}`: one uploaded file, as uploaded. */
export const downloadFile = createRoute({
  method: "get",
  path: "/{id}/files/{fileId}",
  summary: "Download a file of a submission",
  description:
    "The bytes as uploaded, as an attachment (`Content-Disposition` with the stored name, RFC 6266/8187), with `Content-Length`, an `ETag` (the SHA-256; `If-None-Match` answers 304) and `X-Content-Type-Options: nosniff`. Owner (or admin) only: anyone else gets 404.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionFileParams },
  responses: {
    200: {
      description: "The file.",
      headers: {
        "Content-Disposition": { schema: { type: "string" }, description: "`attachment` with the file name." },
        ETag: { schema: { type: "string" }, description: "The file's SHA-256, quoted." },
        "Content-Length": { schema: { type: "integer" }, description: "Size in bytes." },
      },
      content: {
        "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } },
      },
    },
    304: { description: "Not modified (`If-None-Match` matched the ETag)." },
    ...authProblems("submissions:read"),
    404: problem("No such submission or file among yours."),
    429: problem("The API key's rate limit is reached; see `Retry-After`."),
  },
});

/** `GET /v1/submissions/{id}`: a submission with its steps, files and result. */
export const get = createRoute({
  method: "get",
  path: "/{id}",
  summary: "Get a submission",
  description: "Status, step timeline, and the result once it is stored.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    200: { description: "The submission.", content: { "application/json": { schema: Submission } } },
    ...authProblems("submissions:read"),
    404: problem("No submission with that id among yours."),
  },
});

/** `GET /v1/submissions/{id}/result`: the result document, markdown or JSON. */
export const result = createRoute({
  method: "get",
  path: "/{id}/result",
  summary: "Get a submission's result",
  description:
    "The result document as `text/markdown` (the default, and for `Accept: text/markdown`) or as JSON (`Accept: application/json`). 404 until the result is stored.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    200: {
      description: "The result.",
      headers: { Vary: { schema: { type: "string" }, description: "Always `Accept`." } },
      content: {
        "text/markdown": { schema: z.string() },
        "application/json": { schema: SubmissionResult },
      },
    },
    ...authProblems("submissions:read"),
    404: problem("No such submission among yours, or no result yet."),
  },
});

/** `GET /v1/submissions`: the caller's submissions, one page at a time. */
export const list = createRoute({
  method: "get",
  path: "/",
  summary: "List your submissions",
  description: "Newest first, with cursor paging and an optional status filter.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { query: ListQuery },
  responses: {
    200: { description: "One page.", content: { "application/json": { schema: SubmissionPage } } },
    400: problem("The cursor is not valid."),
    ...authProblems("submissions:read"),
    422: problem("A query parameter is invalid."),
  },
});

/** `POST /v1/submissions/{id}/cancel`. */
export const cancel = createRoute({
  method: "post",
  path: "/{id}/cancel",
  summary: "Cancel a submission",
  description:
    "Stops an unfinished job at once: the submission is `cancelled` when this answers, an in-flight AI call is aborted, and the submitter is told once.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:write")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    200: { description: "Cancelled.", content: { "application/json": { schema: SubmissionControl } } },
    ...authProblems("submissions:write"),
    404: problem("No submission with that id among yours."),
    409: problem("The submission has already finished."),
  },
});

/** `POST /v1/submissions/{id}/retry`. */
export const retry = createRoute({
  method: "post",
  path: "/{id}/retry",
  summary: "Retry a failed submission",
  description: "Runs a `failed` submission again from the step that failed; steps that finished are not run again.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:write")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    202: { description: "Queued to run again.", content: { "application/json": { schema: SubmissionControl } } },
    ...authProblems("submissions:write"),
    404: problem("No submission with that id among yours."),
    409: problem("The submission is not `failed`."),
  },
});

/** `GET /v1/submissions/{id}/events`: WebSocket or Server-Sent Events. */
export const events = createRoute({
  method: "get",
  path: "/{id}/events",
  summary: "Follow a submission live",
  description:
    "Every state change of the job, as it happens: a WebSocket when the request asks to upgrade, otherwise Server-Sent Events (`event: job`, data = the job's state). Both close once the submission is final.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    101: { description: "WebSocket: one JSON message per change." },
    200: { description: "An event stream.", content: { "text/event-stream": { schema: { type: "string" } } } },
    ...authProblems("submissions:read"),
    404: problem("No submission with that id among yours."),
  },
});

/** `POST /v1/submissions/{id}/review`: the target of a signed review link (no API key). */
export const review = createRoute({
  method: "post",
  path: "/{id}/review",
  summary: "Approve or reject a result waiting for review",
  description:
    "The target of the signed links a reviewer receives for a submission of the `reviewed` workflow: `approve` lets the result be delivered, `reject` fails the submission.",
  tags: ["Submissions"],
  request: { params: SubmissionIdParam, query: SubmissionReviewQuery },
  responses: {
    200: { description: "Decision recorded.", content: { "application/json": { schema: SubmissionControl } } },
    403: problem("The link's signature is wrong or it has expired."),
    404: problem("No submission with that id, or review links are not enabled."),
    409: problem("The submission is not waiting for review."),
  },
});

/** `GET /v1/submissions/{id}/messages`: the request's thread as its customer sees it. */
export const listThread = createRoute({
  method: "get",
  path: "/{id}/messages",
  summary: "List a submission's thread",
  description:
    "The messages of the request's one thread, oldest first: the customer's (by mail, the portal or this API) and staff replies. Internal notes and drafts are never listed. The owner (or staff) only; anyone else gets 404.",
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionIdParam, query: MessagesQuery },
  responses: {
    200: { description: "One page.", content: { "application/json": { schema: ThreadMessagePage } } },
    400: problem("The cursor is not valid."),
    ...authProblems("submissions:read"),
    404: problem("No submission with that id among yours."),
    422: problem("A query parameter is invalid."),
  },
});

/** `POST /v1/submissions/{id}/messages`: a message in the request's thread. */
export const postThreadMessage = createRoute({
  method: "post",
  path: "/{id}/messages",
  summary: "Write in a submission's thread",
  description: `From the owner: a customer message — it reopens the request and its assignee (or staff) is told. From a member of staff who is not the owner: a staff reply, delivered to the customer on their channels (by email in the request's mail thread) and as the \`submission.replied\` webhook.

With \`Idempotency-Key\`, a retried POST writes and delivers one message.`,
  tags: ["Submissions"],
  security,
  middleware: [requireApi("submissions:write"), idempotency] as const,
  request: {
    params: SubmissionIdParam,
    headers: z.object({
      "idempotency-key": z.string().optional().openapi({
        description:
          "Makes the POST safe to retry: the first response is replayed for 24 h (`Idempotent-Replayed: true`); the same key with another body is refused (422); while the first request runs, 409 with `Retry-After`.",
        example: "3f1c9a4e-8f0b-4a51-9d3e-6a2c1b7e0d42",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: PostMessageBody } } },
  },
  responses: {
    201: { description: "Written.", content: { "application/json": { schema: ThreadMessage } } },
    400: problem("Malformed JSON body, or a bad Idempotency-Key."),
    ...authProblems("submissions:write"),
    404: problem("No submission with that id among yours."),
    409: problem("A request with this Idempotency-Key is still in progress."),
    422: problem("The body is missing, empty or too long, or the Idempotency-Key was used with another body."),
  },
});
