import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { authProblems, problem } from "../api/openapi";
import { validationHook } from "../api/validation";
import type { AppEnv } from "../app-env";
import { adminOnly, requireApi } from "../auth/middleware";
import { dashboardData, RANGE_HOURS, rangeOf } from "./dashboard";

const iso = (ms: number) => new Date(ms).toISOString();

const Dashboard = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    bucketSeconds: z.number().int().openapi({ description: "Width of one `jobs` bucket." }),
    jobs: z
      .array(
        z.object({
          from: z.iso.datetime(),
          completed: z.number().int(),
          failed: z.number().int(),
          cancelled: z.number().int(),
        }),
      )
      .openapi({ description: "Finished jobs per bucket by outcome (by the time they finished)." }),
    steps: z
      .array(z.object({ step: z.string(), n: z.number().int(), p50Ms: z.number(), p95Ms: z.number() }))
      .openapi({ description: "Nearest-rank p50/p95 durations of steps that finished `done` in the range." }),
    providers: z
      .array(
        z.object({
          provider: z.string(),
          calls: z.number().int(),
          errors: z.number().int(),
          rate: z.number().openapi({ description: "errors / calls (0–1)." }),
        }),
      )
      .openapi({ description: "AI provider calls in the range (`ai_usage`)." }),
    notifications: z
      .array(
        z.object({
          channel: z.string(),
          sent: z.number().int(),
          failed: z.number().int(),
          pending: z.number().int(),
          rate: z.number().nullable().openapi({ description: "sent / (sent + failed); null before any outcome." }),
        }),
      )
      .openapi({ description: "Notifications created in the range, per channel." }),
  })
  .openapi("AdminDashboard");

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
    request: {
      query: z.object({
        hours: z.coerce
          .number()
          .int()
          .refine((h) => (RANGE_HOURS as readonly number[]).includes(h), {
            error: `hours must be one of ${RANGE_HOURS.join(", ")}`,
          })
          .default(24)
          .openapi({ description: `The window up to now, in hours: ${RANGE_HOURS.join(", ")}.` }),
      }),
    },
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
