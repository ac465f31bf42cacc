import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { ControlResult } from "../../../durable-objects/job-coordinator";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import { verifyReview } from "../../../shared/review";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit/record";
import { requireApi } from "../../auth/middleware";
import { idempotency } from "../idempotency";
import { authProblems, problem } from "../openapi";
import { validationHook } from "../validation";
import { db, findSubmission, listSubmissions, type Viewer } from "./repo";
import {
  CreateSubmissionBody,
  ListQuery,
  MAX_JSON_BODY_BYTES,
  Submission,
  SubmissionAccepted,
  SubmissionControl,
  SubmissionIdParam,
  SubmissionPage,
  SubmissionResult,
  SubmissionReviewQuery,
} from "./schemas";
import { acceptSubmission, toView } from "./service";

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

const create = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a text request",
  description:
    "Accepts a request, stores it, and queues its job. The result is emailed to `email` and can be followed at the `Location` returned.",
  tags: ["Submissions"],
  security,
  middleware: [
    requireApi("submissions:write"),
    bodyLimit({
      maxSize: MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new HttpProblem(
          413,
          "payload-too-large",
          "Payload Too Large",
          `The request body exceeds ${MAX_JSON_BODY_BYTES} bytes.`,
        );
      },
    }),
    idempotency,
  ] as const,
  request: {
    headers: z.object({
      "idempotency-key": z.string().optional().openapi({
        description:
          "Makes the POST safe to retry: the first response is replayed for 24 h (`Idempotent-Replayed: true`); the same key with another body is refused (422); while the first request runs, 409 with `Retry-After`.",
        example: "3f1c9a4e-8f0b-4a51-9d3e-6a2c1b7e0d42",
      }),
    }),
    body: { required: true, content: { "application/json": { schema: CreateSubmissionBody } } },
  },
  responses: {
    202: {
      description: "Accepted: the submission is queued.",
      headers: { Location: { schema: { type: "string" }, description: "URL of the new submission." } },
      content: { "application/json": { schema: SubmissionAccepted } },
    },
    400: problem("Malformed JSON."),
    ...authProblems("submissions:write"),
    409: problem("A request with this Idempotency-Key is still in progress."),
    413: problem("Body too large."),
    415: problem("Body is not `application/json`."),
    422: problem("A field is missing or invalid, or the Idempotency-Key was used with another body."),
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

/** `/v1/submissions`: intake and status. */
export const submissionsRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    const accepted = await acceptSubmission(c.env, body, {
      user: c.get("user"),
      source: c.get("apiKey") ? "api" : "portal",
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    await audit(c, { action: "submission.created", targetType: "submission", targetId: accepted.id });
    const self = `/v1/submissions/${accepted.id}`;
    return c.json({ id: accepted.id, status: "queued" as const, requestId: c.get("requestId"), links: { self } }, 202, {
      Location: self,
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
    const key = (c.env as Cloudflare.Env).SIGNING_KEY;
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
