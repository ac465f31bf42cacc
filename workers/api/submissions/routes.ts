import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { ControlResult } from "../../../durable-objects/job-coordinator";
import { db } from "../../../shared/db/client";
import { ACCEPTED_TYPES } from "../../../shared/filetypes";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import { WORKFLOW_NAMES } from "../../../shared/pipeline/workflows";
import { verifyReview } from "../../../shared/review";
import { acceptSubmission, MAX_TEXT_CHARS } from "../../../shared/submissions/accept";
import { attachmentDisposition, findSubmissionFile } from "../../../shared/submissions/files";
import { findSubmission, listSubmissions, type Viewer } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { requireApi } from "../../auth/middleware";
import { idempotency } from "../idempotency";
import { authProblems, problem } from "../openapi";
import { validationHook } from "../validation";
import { acceptMultipartSubmission, isMultipart } from "./intake";
import {
  CreateSubmissionBody,
  ListQuery,
  MAX_JSON_BODY_BYTES,
  Submission,
  SubmissionAccepted,
  SubmissionControl,
  SubmissionFileParams,
  SubmissionIdParam,
  SubmissionPage,
  SubmissionResult,
  SubmissionReviewQuery,
} from "./schemas";
import { toView } from "./service";

const security = [{ bearerAuth: [] }];

/** JSON only when the client ranks it above markdown (browsers and curl get markdown). */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const q = (type: string) => {
    const entry = accept
      .split(",")
      .map((p) => p.trim().split(";"))
      .find(([t]) => t?.trim() === type);
    if (!entry) return -1;
    const param = entry.slice(1).find((p) => p.trim().startsWith("q="));
    return param ? Number(param.trim().slice(2)) : 1;
  };
  return q("application/json") > Math.max(q("text/markdown"), q("text/*"), q("*/*") > -1 ? 0 : -1);
}

/** Opaque cursors: the last id of a page, base64url-encoded. */
const encodeCursor = (id: string) => btoa(id).replace(/=+$/, "");
function decodeCursor(cursor: string): string {
  let id = "";
  try {
    id = atob(cursor);
  } catch {
    // fall through to the shape check
  }
  if (!SUBMISSION_ID_PATTERN.test(id)) {
    throw new HttpProblem(400, "bad-cursor", "Bad Cursor", "The cursor is not one this API returned.");
  }
  return id;
}

/** The JSON body's byte limit; a multipart body has its own limits (`UPLOAD_MAX_*`). */
const jsonBodyLimit = bodyLimit({
  maxSize: MAX_JSON_BODY_BYTES,
  onError: () => {
    throw new HttpProblem(
      413,
      "payload-too-large",
      "Payload Too Large",
      `The request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`,
    );
  },
});

function accepted(c: Context<AppEnv>, id: string) {
  const self = `/v1/submissions/${id}`;
  return c.json({ id, status: "queued" as const, requestId: c.get("requestId"), links: { self } }, 202, {
    Location: self,
  });
}

/**
 * `multipart/form-data` intake. It answers the request itself, before the route's JSON
 * validator: the body is streamed (files go to R2 as they arrive), never parsed as a form.
 */
const multipartIntake = createMiddleware<AppEnv>(async (c, next) => {
  if (!isMultipart(c.req.raw)) return next();
  const { id, files } = await acceptMultipartSubmission(c.env, c.req.raw, {
    user: c.get("user"),
    source: c.get("apiKey") ? "api" : "portal",
    correlationId: c.get("requestId"),
    log: c.get("log"),
    onFingerprint: (fingerprint) => c.set("idempotencyFingerprint", fingerprint),
  });
  await audit(c, {
    action: "submission.created",
    targetType: "submission",
    targetId: id,
    ...(files.length
      ? { after: { files: files.map((f) => ({ id: f.id, name: f.name, size: f.size, sha256: f.sha256 })) } }
      : {}),
  });
  return accepted(c, id);
});

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
const createDocumented = createRoute({
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

/**
 * The route that runs: the documented one with the JSON body alone, so zod validates JSON and
 * `hono/client` types it; `multipartIntake` answers multipart requests before validation.
 * Hidden from the document, where `createDocumented` stands for it.
 */
const create = createRoute({
  ...createDocumented,
  hide: true,
  middleware: [
    requireApi("submissions:write"),
    createMiddleware<AppEnv>(async (c, next) => (isMultipart(c.req.raw) ? next() : jsonBodyLimit(c, next))),
    idempotency,
    multipartIntake,
  ] as const,
  request: {
    ...createDocumented.request,
    body: { required: true, content: { "application/json": { schema: CreateSubmissionBody } } },
  },
});

const downloadFile = createRoute({
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

const get = createRoute({
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

const result = createRoute({
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

const list = createRoute({
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

const cancel = createRoute({
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

const retry = createRoute({
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

const events = createRoute({
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

const review = createRoute({
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

/** The job object of an existing submission, or a 404 problem. */
/** The submission, if `viewer` may see it (owner or admin; null: a signed link); else 404. */
async function ownSubmission(env: Env, id: string, viewer: Viewer | null) {
  const found = await findSubmission(db(env.DB), id, viewer);
  if (!found) throw notFound("Submission", `You have no submission with id ${JSON.stringify(id.slice(0, 80))}.`);
  return found;
}

/** The job's object of a submission `viewer` may act on. */
async function jobOf(env: Env, id: string, viewer: Viewer | null) {
  await ownSubmission(env, id, viewer);
  return env.JOB_COORDINATOR.getByName(id);
}

function controlView(id: string, result: ControlResult) {
  if (result.outcome === "not-found" || !result.snapshot) {
    throw notFound("Submission", `There is no submission with id ${JSON.stringify(id)}.`);
  }
  return {
    id,
    status: result.snapshot.status,
    error: result.snapshot.error,
    links: { self: `/v1/submissions/${id}`, events: `/v1/submissions/${id}/events` },
  };
}

const router = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
router.openAPIRegistry.registerPath(createDocumented);

/** `/v1/submissions`: intake and status. */
export const submissionsRouter = router
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const { id } = await acceptSubmission(c.env, body, {
      user: c.get("user"),
      source: c.get("apiKey") ? "api" : "portal",
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    await audit(c, { action: "submission.created", targetType: "submission", targetId: id });
    return accepted(c, id);
  })
  .openapi(downloadFile, async (c) => {
    const { id, fileId } = c.req.valid("param");
    await ownSubmission(c.env, id, c.get("user"));
    const file = await findSubmissionFile(db(c.env.DB), id, fileId);
    const object = file ? await c.env.FILES.get(file.key) : null;
    if (!file || !object) {
      throw notFound("File", `Submission ${id} has no file with id ${JSON.stringify(fileId.slice(0, 80))}.`);
    }
    const etag = `"${file.sha256}"`;
    const headers: Record<string, string> = {
      ETag: etag,
      "Cache-Control": "private, no-cache",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    };
    const ifNoneMatch = c.req.header("if-none-match");
    if (ifNoneMatch?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag)) {
      await object.body.cancel();
      return c.body(null, 304, headers);
    }
    return c.body(object.body, 200, {
      ...headers,
      "Content-Type": file.contentType,
      "Content-Length": String(file.size),
      "Content-Disposition": attachmentDisposition(file.name),
    });
  })
  .openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const found = await ownSubmission(c.env, id, c.get("user"));
    return c.json(await toView(c.env, found), 200);
  })
  .openapi(result, async (c) => {
    const { id } = c.req.valid("param");
    const found = await ownSubmission(c.env, id, c.get("user"));
    const object = found.submission.resultKey ? await c.env.FILES.get(found.submission.resultKey) : null;
    if (!object)
      throw notFound("Result", `Submission ${id} has no result yet; its status is ${found.submission.status}.`);
    const markdown = await object.text();
    c.header("Vary", "Accept");
    if (prefersJson(c.req.header("accept"))) {
      return c.json(
        {
          id,
          format: "markdown" as const,
          markdown,
          summary: found.submission.summary,
          provider: found.submission.aiProvider,
        },
        200,
      );
    }
    return c.body(markdown, 200, { "content-type": "text/markdown; charset=utf-8" });
  })
  .openapi(list, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listSubmissions(db(c.env.DB), c.get("user"), {
      status,
      limit: limit + 1,
      before: cursor ? decodeCursor(cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      {
        items: page.map((s) => ({
          id: s.id,
          status: s.status,
          source: s.source,
          summary: s.summary,
          error: s.error,
          createdAt: new Date(s.createdAt).toISOString(),
          updatedAt: new Date(s.updatedAt).toISOString(),
        })),
        nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
      },
      200,
    );
  })
  .openapi(cancel, async (c) => {
    const { id } = c.req.valid("param");
    const result = await (await jobOf(c.env, id, c.get("user"))).cancel(id);
    const view = controlView(id, result);
    if (result.outcome === "conflict") {
      throw new HttpProblem(
        409,
        "conflict",
        "Conflict",
        `The submission is already ${view.status}; it cannot be cancelled.`,
      );
    }
    c.get("log").info("submission cancelled", { submissionId: id });
    await audit(c, { action: "submission.cancelled", targetType: "submission", targetId: id });
    return c.json(view, 200);
  })
  .openapi(retry, async (c) => {
    const { id } = c.req.valid("param");
    const result = await (await jobOf(c.env, id, c.get("user"))).retry(id);
    const view = controlView(id, result);
    if (result.outcome === "conflict") {
      throw new HttpProblem(
        409,
        "conflict",
        "Conflict",
        `The submission is ${view.status}; only a failed submission can be retried.`,
      );
    }
    c.get("log").info("submission retried", { submissionId: id });
    await audit(c, { action: "submission.retried", targetType: "submission", targetId: id });
    return c.json(view, 202);
  })
  .openapi(review, async (c) => {
    const { id } = c.req.valid("param");
    const link = c.req.valid("query");
    const key = c.env.SIGNING_KEY;
    if (!key) throw notFound("Review", "Review links are not enabled on this deployment.");
    const verdict = await verifyReview(key, { id, ...link });
    if (verdict !== "ok") {
      throw new HttpProblem(
        403,
        "forbidden",
        "Forbidden",
        verdict === "expired" ? "This review link has expired." : "This review link is not valid.",
      );
    }
    const result = await (await jobOf(c.env, id, null)).review(id, link.decision);
    const view = controlView(id, result);
    if (result.outcome === "conflict") {
      throw new HttpProblem(409, "conflict", "Conflict", "The submission is not waiting for review.");
    }
    c.get("log").info("submission reviewed", { submissionId: id, decision: link.decision });
    await audit(c, {
      actorType: "admin",
      action: `submission.review_${link.decision}d`,
      targetType: "submission",
      targetId: id,
    });
    return c.json(view, 200);
  })
  .openapi(events, async (c) => {
    const { id } = c.req.valid("param");
    const stub = await jobOf(c.env, id, c.get("user"));
    const headers = new Headers(c.req.raw.headers);
    headers.set("x-submission-id", id);
    // Handed to the job's object as is: it answers with the WebSocket or the event stream.
    return stub.fetch(new Request(c.req.raw.url, { method: "GET", headers })) as unknown as Response;
  });
