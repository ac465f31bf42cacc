/**
 * `/v1/admin/dashboard`, HTTP only: the admin dashboard's figures as JSON, for admins with
 * `admin:read`. The queries live in repo.ts (the portal's dashboard page calls the same ones).
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { authProblems, problem } from "../../api/openapi";
import { validationHook } from "../../api/validation";
import type { AppEnv } from "../../app-env";
import { adminOnly, requireApi } from "../../auth/middleware";
import { dashboardData, rangeOf } from "./repo";
import { Dashboard, DashboardQuery } from "./schemas";

const iso = (ms: number) => new Date(ms).toISOString();

/** `/v1/admin/dashboard`: the admin dashboard's figures as JSON. */
export const adminDashboardRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(
  createRoute({
    method: "get",
    path: "/",
    summary: "Dashboard figures",
    description:
      "What the portal's admin dashboard charts, from D1: jobs per bucket by outcome, step duration percentiles, provider error rates, notification delivery. Buckets are hourly up to 3 days, 6-hourly up to 7, daily beyond.",
    tags: ["Admin"],
    security: [{ bearerAuth: [] }],
    middleware: [requireApi("admin:read"), adminOnly] as const,
    request: { query: DashboardQuery },
    responses: {
      200: { description: "The figures.", content: { "application/json": { schema: Dashboard } } },
      ...authProblems("admin:read"),
      404: problem("Not an admin."),
      422: problem("`hours` is not one of the offered ranges."),
    },
  }),
  async (c) => {
    const { hours } = c.req.valid("query");
    const d = await dashboardData(c.env.DB, rangeOf(hours));
    return c.json(
      {
        from: iso(d.range.from),
        to: iso(d.range.to),
        bucketSeconds: d.range.bucketMs / 1000,
        jobs: d.jobs.buckets.map((b, i) => ({
          from: iso(b),
          completed: d.jobs.counts.completed[i] ?? 0,
          failed: d.jobs.counts.failed[i] ?? 0,
          cancelled: d.jobs.counts.cancelled[i] ?? 0,
        })),
        steps: d.steps,
        providers: d.providers,
        notifications: d.notifications,
      },
      200,
    );
  },
);
