/**
 * The contract of `/v1/admin/dashboard`: the range asked for, and the dashboard's figures as
 * JSON (the same numbers the portal's dashboard charts).
 */
import { z } from "@hono/zod-openapi";
import { RANGE_HOURS } from "./repo";

/** The query string: the window up to now, one of the offered ranges. */
export const DashboardQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .refine((h) => (RANGE_HOURS as readonly number[]).includes(h), {
      error: `hours must be one of ${RANGE_HOURS.join(", ")}`,
    })
    .default(24)
    .openapi({ description: `The window up to now, in hours: ${RANGE_HOURS.join(", ")}.` }),
});

/** The figures. */
export const Dashboard = z
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
