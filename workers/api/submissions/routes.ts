import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { ControlResult } from "../../../durable-objects/job-coordinator";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import { verifyReview } from "../../../shared/review";
import type { AppEnv } from "../../app-env";
import { validationHook } from "../validation";
import { db, findSubmission } from "./repo";
import {
  CreateSubmissionBody,
  MAX_JSON_BODY_BYTES,
  ProblemSchema,
  Submission,
  SubmissionAccepted,
  SubmissionControl,
  SubmissionIdParam,
  SubmissionReviewQuery,
} from "./schemas";
import { acceptSubmission, toView } from "./service";

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

const create = createRoute({
  method: "post",
  path: "/",
  summary: "Submit a text request",
  description:
    "Accepts a request, stores it, and queues its job. The result is emailed to `email` and can be followed at the `Location` returned.",
  tags: ["Submissions"],
  middleware: [
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
  ] as const,
  request: {
    body: { required: true, content: { "application/json": { schema: CreateSubmissionBody } } },
  },
  responses: {
    202: {
      description: "Accepted: the submission is queued.",
      headers: { Location: { schema: { type: "string" }, description: "URL of the new submission." } },
      content: { "application/json": { schema: SubmissionAccepted } },
    },
    400: problem("Malformed JSON."),
    413: problem("Body too large."),
    415: problem("Body is not `application/json`."),
    422: problem("A field is missing or invalid."),
  },
});

const get = createRoute({
  method: "get",
  path: "/{id}",
  summary: "Get a submission",
  description: "Status, step timeline, and the result once it is stored.",
  tags: ["Submissions"],
  request: { params: SubmissionIdParam },
  responses: {
    200: { description: "The submission.", content: { "application/json": { schema: Submission } } },
    404: problem("No submission with that id."),
  },
});

const cancel = createRoute({
  method: "post",
  path: "/{id}/cancel",
  summary: "Cancel a submission",
  description:
    "Stops an unfinished job at once: the submission is `cancelled` when this answers, an in-flight AI call is aborted, and the submitter is told once.",
  tags: ["Submissions"],
  request: { params: SubmissionIdParam },
  responses: {
    200: { description: "Cancelled.", content: { "application/json": { schema: SubmissionControl } } },
    404: problem("No submission with that id."),
    409: problem("The submission has already finished."),
  },
});

const retry = createRoute({
  method: "post",
  path: "/{id}/retry",
  summary: "Retry a failed submission",
  description: "Runs a `failed` submission again from the step that failed; steps that finished are not run again.",
  tags: ["Submissions"],
  request: { params: SubmissionIdParam },
  responses: {
    202: { description: "Queued to run again.", content: { "application/json": { schema: SubmissionControl } } },
    404: problem("No submission with that id."),
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
  request: { params: SubmissionIdParam },
  responses: {
    101: { description: "WebSocket: one JSON message per change." },
    200: { description: "An event stream.", content: { "text/event-stream": { schema: { type: "string" } } } },
    404: problem("No submission with that id."),
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
async function jobOf(env: Env, id: string) {
  const found = SUBMISSION_ID_PATTERN.test(id) ? await findSubmission(db(env.DB), id) : null;
  if (!found) throw notFound("Submission", `There is no submission with id ${JSON.stringify(id)}.`);
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
      source: "api",
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    const self = `/v1/submissions/${accepted.id}`;
    return c.json({ id: accepted.id, status: "queued" as const, requestId: c.get("requestId"), links: { self } }, 202, {
      Location: self,
    });
  })
  .openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const found = SUBMISSION_ID_PATTERN.test(id) ? await findSubmission(db(c.env.DB), id) : null;
    if (!found) throw notFound("Submission", `There is no submission with id ${JSON.stringify(id)}.`);
    return c.json(await toView(c.env, found), 200);
  })
  .openapi(cancel, async (c) => {
    const { id } = c.req.valid("param");
    const result = await (await jobOf(c.env, id)).cancel(id);
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
  .openapi(retry, async (c) => {
    const { id } = c.req.valid("param");
    const result = await (await jobOf(c.env, id)).retry(id);
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
  .openapi(review, async (c) => {
    const { id } = c.req.valid("param");
    const link = c.req.valid("query");
    const key = (c.env as Cloudflare.Env).REVIEW_SIGNING_KEY;
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
    const result = await (await jobOf(c.env, id)).review(id, link.decision);
    const view = controlView(id, result);
    if (result.outcome === "conflict") {
      throw new HttpProblem(409, "conflict", "Conflict", "The submission is not waiting for review.");
    }
    c.get("log").info("submission reviewed", { submissionId: id, decision: link.decision });
    return c.json(view, 200);
  })
  .openapi(events, async (c) => {
    const { id } = c.req.valid("param");
    const stub = await jobOf(c.env, id);
    const headers = new Headers(c.req.raw.headers);
    headers.set("x-submission-id", id);
    // Handed to the job's object as is: it answers with the WebSocket or the event stream.
    return stub.fetch(new Request(c.req.raw.url, { method: "GET", headers })) as unknown as Response;
  });
