import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import type { AppEnv } from "../../app-env";
import { validationHook } from "../validation";
import { db, findSubmission } from "./repo";
import {
  CreateSubmissionBody,
  MAX_JSON_BODY_BYTES,
  ProblemSchema,
  Submission,
  SubmissionAccepted,
  SubmissionIdParam,
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
  });
