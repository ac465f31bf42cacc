import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { HTTPException } from "hono/http-exception";
import { HttpProblem, internalProblem, problemResponse } from "../shared/http/problem";
import { correlationIdFrom, createLogger } from "../shared/log";
import { contentRouter } from "./api/content/routes";
import { sitePages } from "./api/content/site";
import { searchRouter } from "./api/search/routes";
import { submissionsRouter } from "./api/submissions/routes";
import { validationHook } from "./api/validation";
import type { AppEnv } from "./app-env";

const SLUGS: Record<number, [string, string]> = {
  400: ["bad-request", "Bad Request"],
  401: ["unauthorized", "Unauthorized"],
  403: ["forbidden", "Forbidden"],
  404: ["not-found", "Not Found"],
  405: ["method-not-allowed", "Method Not Allowed"],
  413: ["payload-too-large", "Payload Too Large"],
  415: ["unsupported-media-type", "Unsupported Media Type"],
};

/** Hono's own exceptions (malformed JSON, wrong media type, ...) as problems. */
function fromHttpException(error: HTTPException): HttpProblem {
  const [slug, title] = SLUGS[error.status] ?? ["http-error", "Request Error"];
  let detail = error.message || title;
  if (error.status === 400 && /json/i.test(detail)) detail = "The request body is not valid JSON.";
  if (error.status === 415) detail = "Send the request body as application/json.";
  return new HttpProblem(
    error.status,
    error.status === 400 && /json/i.test(detail) ? "malformed-json" : slug,
    title,
    detail,
    {
      cause: error,
    },
  );
}

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.use(async (c, next) => {
  const requestId = correlationIdFrom(c.req.header("x-request-id"));
  const log = createLogger({ correlationId: requestId });
  c.set("requestId", requestId);
  c.set("log", log);
  const started = Date.now();
  await next();
  c.header("X-Request-Id", requestId);
  log.info("request", {
    method: c.req.method,
    path: c.req.path,
    status: c.res.status,
    durationMs: Date.now() - started,
  });
});

app.onError((error, c) => {
  const requestId = c.get("requestId") ?? correlationIdFrom(null);
  const instance = c.req.path;
  const known = error instanceof HttpProblem ? error : error instanceof HTTPException ? fromHttpException(error) : null;
  if (known) {
    return problemResponse(known.toProblem(instance, requestId), { "X-Request-Id": requestId, ...known.headers });
  }
  (c.get("log") ?? createLogger({ correlationId: requestId })).error("unhandled error", { error, path: instance });
  return problemResponse(internalProblem(instance, requestId), { "X-Request-Id": requestId });
});

app.notFound((c) => {
  if (!c.req.path.startsWith("/v1/") && c.req.method === "GET") {
    // Not an API path: the site's own 404 page.
    return c.env.ASSETS.fetch(c.req.raw);
  }
  const problem = new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);
  return problemResponse(problem.toProblem(c.req.path, c.get("requestId")));
});

app.get("/healthz", (c) => c.json({ ok: true, environment: c.env.ENVIRONMENT }));

app.route("/v1/submissions", submissionsRouter);
app.route("/v1/content", contentRouter);
app.route("/v1/search", searchRouter);
app.use(sitePages);

app.doc31("/openapi.json", (c) => ({
  openapi: "3.1.0",
  info: {
    title: "StateX Edge API",
    version: "1.0.0",
    description:
      "Submit requests, follow their pipeline, and read results. Errors are RFC 9457 `application/problem+json`. Every response carries `X-Request-Id`; send your own to correlate.",
  },
  servers: [{ url: new URL(c.req.url).origin }],
}));

app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "StateX Edge API" }));
