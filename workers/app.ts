import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import * as Sentry from "@sentry/cloudflare";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { HttpProblem, internalProblem, problemResponse } from "../shared/http/problem";
import { correlationIdFrom, createLogger } from "../shared/log";
import { traceparentFor } from "../shared/trace";
import { accountRouter } from "./account/routes";
import { auditRouter } from "./admin/audit/routes";
import { adminDashboardRouter } from "./admin/dashboard/routes";
import { adminNotificationsRouter } from "./admin/notifications/routes";
import { adminSubmissionsRouter } from "./admin/submissions/routes";
import { contentRouter } from "./api/content/routes";
import { sitePages } from "./api/content/site";
import { notificationsRouter } from "./api/notifications/routes";
import { searchRouter } from "./api/search/routes";
import { submissionsRouter } from "./api/submissions/routes";
import { validationHook } from "./api/validation";
import { webhooksRouter } from "./api/webhooks/routes";
import type { AppEnv } from "./app-env";
import { requireApi } from "./auth/middleware";
import { emailRoutes } from "./email/confirm-routes";
import { resultRoutes } from "./email/result-routes";
import { measureRequest } from "./ops/measure";
import { readiness, renderMetrics } from "./ops/metrics";
import { ASSET_VERSION } from "./portal/assets";
import { authRoutes } from "./portal/auth-routes";
import { portalRoutes } from "./portal/routes";
import { unsubscribeRoutes } from "./portal/unsubscribe";

const SLUGS: Record<number, [string, string]> = {
  400: ["bad-request", "Bad Request"],
  429: ["rate-limited", "Too Many Requests"],
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
  if (error.status === 415)
    detail = "Send the request body as application/json (or multipart/form-data where files are accepted).";
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

const isPage = (path: string) =>
  path === "/app" || path.startsWith("/app/") || path.startsWith("/auth/") || path.startsWith("/u/");

const errorPage = (title: string, detail: string, requestId: string) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — StateX</title><link rel="stylesheet" href="/app/assets/portal.${ASSET_VERSION}.css"></head>
<body><main id="main"><div class="card narrow"><h1>${title}</h1><p>${detail}</p>
<p class="hint">Request id: <span class="mono">${requestId}</span></p><p><a href="/app">Back to StateX</a></p></div></main></body></html>`;

/**
 * `REQUEST_LOG=errors` (the default) writes the request line only for 5xx answers and
 * requests slower than this; `all` writes one for every request. Every request is counted
 * either way: one Analytics Engine point each, and Workers Logs' own invocation record
 * (method, URL, status, duration). A `console.log` per request was ~7 % of a short request's
 * CPU in `BENCH_PROFILE=validation npm run bench`.
 */
export const SLOW_REQUEST_MS = 1_000;

/**
 * The API's answers are data, never documents: a browser must not sniff a JSON body (or a
 * downloaded upload) into HTML, run anything in it, or frame it. Set on every answer of the
 * machine paths, errors included; pages get their own CSP (`pageHeaders`, below).
 */
export const MACHINE_HEADERS: readonly (readonly [string, string])[] = [
  ["X-Content-Type-Options", "nosniff"],
  [
    "Content-Security-Policy",
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox",
  ],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
];
const isMachinePath = (path: string) =>
  path.startsWith("/v1/") ||
  path === "/openapi.json" ||
  path === "/metrics" ||
  path === "/healthz" ||
  path === "/readyz";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.use(async (c, next) => {
  const requestId = correlationIdFrom(c.req.header("x-request-id"), c.req.header("traceparent"));
  const log = createLogger({ correlationId: requestId });
  c.set("requestId", requestId);
  c.set("log", log);
  const started = Date.now();
  await next();
  c.header("X-Request-Id", requestId);
  if (isMachinePath(c.req.path)) for (const [name, value] of MACHINE_HEADERS) c.header(name, value);
  const traceparent = traceparentFor(requestId);
  if (traceparent) c.header("traceparent", traceparent);
  const durationMs = Date.now() - started;
  const user = c.get("user") as AppEnv["Variables"]["user"] | undefined;
  if (c.env.REQUEST_LOG === "all" || c.res.status >= 500 || durationMs >= SLOW_REQUEST_MS)
    log.info("request", {
      method: c.req.method,
      route: c.req.routePath,
      path: c.req.path,
      status: c.res.status,
      durationMs,
      userId: user?.id,
    });
  // One Analytics Engine point and one rollup point per request, after the answer (ops/measure.ts).
  measureRequest(c, durationMs);
});

app.onError((error, c) => {
  const requestId = c.get("requestId") ?? correlationIdFrom(null);
  const instance = c.req.path;
  const known = error instanceof HttpProblem ? error : error instanceof HTTPException ? fromHttpException(error) : null;
  if (!known) {
    (c.get("log") ?? createLogger({ correlationId: requestId })).error("unhandled error", { error, path: instance });
    const user = c.get("user") as AppEnv["Variables"]["user"] | undefined;
    Sentry.captureException(error, {
      tags: { requestId, route: c.req.routePath },
      user: user ? { id: user.id } : undefined,
    });
  }
  const problem = known ? known.toProblem(instance, requestId) : internalProblem(instance, requestId);
  const headers = { "X-Request-Id": requestId, ...known?.headers };
  if (isPage(instance)) {
    // People in the portal get a page, not JSON.
    return c.html(errorPage(problem.title, problem.detail ?? "", requestId), problem.status as 400, headers);
  }
  return problemResponse(problem, headers);
});

app.notFound(async (c) => {
  if (!c.req.path.startsWith("/v1/") && c.req.method === "GET") {
    // Not an API path: the site's own 404 page. Asset responses have immutable headers, and
    // the page middleware (`secureHeaders`) sets its own: a copy, or `/auth/typo` is a 500.
    const page = await c.env.ASSETS.fetch(c.req.raw);
    return new Response(page.body, page);
  }
  const problem = new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);
  return problemResponse(problem.toProblem(c.req.path, c.get("requestId")));
});

// Portal pages: a strict CSP that they satisfy (no inline script or style anywhere).
const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
  referrerPolicy: "same-origin",
});
app.use("/app/*", pageHeaders);
app.use("/app", pageHeaders);
app.use("/auth/*", pageHeaders);
app.use("/u/*", pageHeaders);
app.route("/auth", authRoutes);
app.route("/app", portalRoutes);
app.use("/email/*", pageHeaders);
app.route("/email", emailRoutes);
app.route("/email", resultRoutes);

app.get("/healthz", (c) => c.json({ ok: true, environment: c.env.ENVIRONMENT }));
app.get("/readyz", readiness);
// Prometheus scrapes with an admin's API key (`admin:read`) as a bearer token.
app.get("/metrics", requireApi("admin:read"), async (c) => {
  if (c.get("user").role !== "admin") {
    throw new HttpProblem(404, "not-found", "Not Found", "Nothing is served at GET /metrics.");
  }
  return c.body(await renderMetrics(c.env), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
});

app.route("/v1/submissions", submissionsRouter);
app.route("/v1/webhooks", webhooksRouter);
app.route("/v1/account", accountRouter);
app.route("/v1/admin/audit", auditRouter);
app.route("/v1/admin/submissions", adminSubmissionsRouter);
app.route("/v1/admin/dashboard", adminDashboardRouter);
app.route("/v1/notifications", notificationsRouter);
app.route("/v1/admin/notifications", adminNotificationsRouter);
app.route("/u", unsubscribeRoutes);
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

app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An API key (`sx_…`) created in the portal under Profile → API keys.",
});

app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "StateX Edge API" }));

/** The routers' types, for the typed client (`workers/client.ts`, `hono/client`). */
export type SubmissionsApi = typeof submissionsRouter;
export type WebhooksApi = typeof webhooksRouter;
