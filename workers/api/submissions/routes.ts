import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HttpProblem, notFound } from "../../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import type { AppEnv } from "../../app-env";
import { requireApi } from "../../auth/middleware";
import { validationHook } from "../validation";
import { db, findSubmission, listSubmissions } from "./repo";
import {
  CreateSubmissionBody,
  ListQuery,
  MAX_JSON_BODY_BYTES,
  ProblemSchema,
  Submission,
  SubmissionAccepted,
  SubmissionIdParam,
  SubmissionPage,
} from "./schemas";
import { acceptSubmission, toView } from "./service";

const security = [{ bearerAuth: [] }];

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
    401: problem("No valid API key."),
    403: problem("The key lacks the `submissions:write` scope."),
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
  security,
  middleware: [requireApi("submissions:read")] as const,
  request: { params: SubmissionIdParam },
  responses: {
    200: { description: "The submission.", content: { "application/json": { schema: Submission } } },
    401: problem("No valid API key."),
    403: problem("The key lacks the `submissions:read` scope."),
    404: problem("No submission with that id among yours."),
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
    401: problem("No valid API key."),
    403: problem("The key lacks the `submissions:read` scope."),
    422: problem("A query parameter is invalid."),
  },
});

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
    const self = `/v1/submissions/${accepted.id}`;
    return c.json({ id: accepted.id, status: "queued" as const, requestId: c.get("requestId"), links: { self } }, 202, {
      Location: self,
    });
  })
  .openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const found = SUBMISSION_ID_PATTERN.test(id) ? await findSubmission(db(c.env.DB), id, c.get("user")) : null;
    if (!found) throw notFound("Submission", `You have no submission with id ${JSON.stringify(id.slice(0, 80))}.`);
    return c.json(await toView(c.env, found), 200);
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
  });
