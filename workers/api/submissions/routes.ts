/**
 * `/v1/submissions` over HTTP: the handlers of the operations in `contract.ts` — intake (JSON,
 * or multipart streamed by `intake.ts`), reading a submission, its result and its files, the
 * list with cursors, live events, and cancel, retry and review through `service.ts` — with
 * their answers as JSON bodies and problems.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { ControlResult } from "../../../durable-objects/job-coordinator";
import { db } from "../../../shared/db/client";
import { isStaff } from "../../../shared/db/schema";
import { postCustomerMessage } from "../../../shared/desk/customer";
import { listMessages, MESSAGE_ID_PATTERN, MessageRefused } from "../../../shared/desk/messages";
import { sendReply } from "../../../shared/desk/reply";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import { verifyReview } from "../../../shared/review";
import { acceptSubmission } from "../../../shared/submissions/accept";
import { attachmentDisposition, findSubmissionFile } from "../../../shared/submissions/files";
import { released } from "../../../shared/submissions/release";
import { findSubmission, listSubmissions, type Viewer } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { requireApi } from "../../auth/middleware";
import { idempotency } from "../idempotency";
import { validationHook } from "../validation";
import * as contract from "./contract";
import { acceptMultipartSubmission, isMultipart } from "./intake";
import { CreateSubmissionBody, MAX_JSON_BODY_BYTES } from "./schemas";
import { controlSubmission, messageView, toView } from "./service";

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
function decodeCursor(cursor: string, pattern = SUBMISSION_ID_PATTERN): string {
  let id = "";
  try {
    id = atob(cursor);
  } catch {
    // fall through to the shape check
  }
  if (!pattern.test(id)) {
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

/**
 * The route that runs: the documented one with the JSON body alone, so zod validates JSON and
 * `hono/client` types it; `multipartIntake` answers multipart requests before validation.
 * Hidden from the document, where `createDocumented` stands for it.
 */
const create = createRoute({
  ...contract.createDocumented,
  hide: true,
  middleware: [
    requireApi("submissions:write"),
    createMiddleware<AppEnv>(async (c, next) => (isMultipart(c.req.raw) ? next() : jsonBodyLimit(c, next))),
    idempotency,
    multipartIntake,
  ] as const,
  request: {
    ...contract.createDocumented.request,
    body: { required: true, content: { "application/json": { schema: CreateSubmissionBody } } },
  },
});

/** The submission, if `viewer` may see it (owner or admin; null: a signed link); else 404. */
async function ownSubmission(env: Env, id: string, viewer: Viewer | null) {
  const found = await findSubmission(db(env.DB), id, viewer);
  if (!found) throw notFound("Submission", `You have no submission with id ${JSON.stringify(id.slice(0, 80))}.`);
  return found;
}

/** The answer to a cancel, retry or review: the job's state now; 404 when it has no job. */
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
router.openAPIRegistry.registerPath(contract.createDocumented);

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
  .openapi(contract.downloadFile, async (c) => {
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
  .openapi(contract.get, async (c) => {
    const { id } = c.req.valid("param");
    const found = await ownSubmission(c.env, id, c.get("user"));
    return c.json(await toView(c.env, found), 200);
  })
  .openapi(contract.result, async (c) => {
    const { id } = c.req.valid("param");
    const owned = await ownSubmission(c.env, id, c.get("user"));
    const found = { ...owned, submission: released(owned.submission) };
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
  .openapi(contract.list, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const rows = await listSubmissions(db(c.env.DB), c.get("user"), {
      status,
      limit: limit + 1,
      before: cursor ? decodeCursor(cursor) : undefined,
    });
    const page = rows.slice(0, limit).map(released);
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
  .openapi(contract.cancel, async (c) => {
    const { id } = c.req.valid("param");
    await ownSubmission(c.env, id, c.get("user"));
    const result = await controlSubmission(c.env, id, "cancel", (entry) => audit(c, entry));
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
    return c.json(view, 200);
  })
  .openapi(contract.retry, async (c) => {
    const { id } = c.req.valid("param");
    await ownSubmission(c.env, id, c.get("user"));
    const result = await controlSubmission(c.env, id, "retry", (entry) => audit(c, entry));
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
    return c.json(view, 202);
  })
  .openapi(contract.review, async (c) => {
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
    await ownSubmission(c.env, id, null);
    // A signed link has no signed-in user: its holder decides as an admin.
    const result = await controlSubmission(c.env, id, link.decision, (entry) =>
      audit(c, { actorType: "admin", ...entry }),
    );
    const view = controlView(id, result);
    if (result.outcome === "conflict") {
      throw new HttpProblem(409, "conflict", "Conflict", "The submission is not waiting for review.");
    }
    c.get("log").info("submission reviewed", { submissionId: id, decision: link.decision });
    return c.json(view, 200);
  })
  .openapi(contract.listThread, async (c) => {
    const { id } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    await ownSubmission(c.env, id, c.get("user"));
    const rows = await listMessages(db(c.env.DB), id, "customer", {
      after: cursor ? decodeCursor(cursor, MESSAGE_ID_PATTERN) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return c.json(
      { items: page.map(messageView), nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null },
      200,
    );
  })
  .openapi(contract.postThreadMessage, async (c) => {
    const { id } = c.req.valid("param");
    const { body } = c.req.valid("json");
    const user = c.get("user");
    const { submission } = await ownSubmission(c.env, id, user);
    // The Idempotency-Key (or a fresh key) also keys the message: a retry writes it once.
    const clientKey = `api:${c.req.header("idempotency-key") ?? crypto.randomUUID()}`;
    const common = { submissionId: id, body, clientKey, correlationId: c.get("requestId") };
    try {
      if (isStaff(user.role) && submission.userId !== user.id) {
        const { message, created } = await sendReply(c.env, { ...common, authorId: user.id }, c.get("log"));
        if (created) {
          await audit(c, {
            action: "desk.reply_sent",
            targetType: "submission",
            targetId: id,
            after: { messageId: message.id },
          });
        }
        return c.json(messageView(message), 201);
      }
      const { message } = await postCustomerMessage(
        c.env,
        { ...common, authorId: submission.userId, channel: "api" },
        c.get("log"),
      );
      return c.json(messageView(message), 201);
    } catch (error) {
      if (error instanceof MessageRefused) {
        throw new HttpProblem(422, "validation", "Validation Failed", error.message, {
          errors: [{ pointer: "/body", detail: error.message }],
        });
      }
      throw error;
    }
  })
  .openapi(contract.events, async (c) => {
    const { id } = c.req.valid("param");
    await ownSubmission(c.env, id, c.get("user"));
    const stub = c.env.JOB_COORDINATOR.getByName(id);
    const headers = new Headers(c.req.raw.headers);
    headers.set("x-submission-id", id);
    // Handed to the job's object as is: it answers with the WebSocket or the event stream.
    return stub.fetch(new Request(c.req.raw.url, { method: "GET", headers })) as unknown as Response;
  });
