/**
 * Measuring one HTTP request, called by the app's first middleware once the answer is made:
 * one Analytics Engine data point (production's per-request record, read back with the SQL
 * API: docs/operations.md) and one point to the request rollup (`HttpMetrics`, which the
 * dashboard, `/metrics` and the alert rules read). The rollup call runs after the response
 * under `waitUntil`, so the request waits for neither; the only work on the request's own path
 * is building two small objects. Labels are bounded: the matched route pattern, never the path.
 */
import type { Context } from "hono";
import { sendPoint } from "../../shared/slo/http";
import { methodLabel, routeLabel, statusClass } from "../../shared/slo/rollup";
import type { AppEnv } from "../app-env";

/**
 * Records the request that `c` answered in `durationMs`. Analytics Engine fields: index 1 the
 * route; blob1 method, blob2 route, blob3 status, blob4 status class; double1 duration (ms),
 * double2 status. Blobs 1–3 and both doubles keep the positions they had before blob4 existed.
 */
export function measureRequest(c: Context<AppEnv>, durationMs: number, now = Date.now()): void {
  const route = routeLabel(c.req.routePath);
  const method = methodLabel(c.req.method);
  const status = c.res.status;
  c.env.ANALYTICS?.writeDataPoint({
    indexes: [route],
    blobs: [method, route, String(status), statusClass(status)],
    doubles: [durationMs, status],
  });
  let waitUntil: (promise: Promise<unknown>) => void;
  try {
    const ctx = c.executionCtx;
    waitUntil = (p) => ctx.waitUntil(p);
  } catch {
    // `app.request()` without an execution context (unit use): nothing to keep the call alive.
    return;
  }
  const log = c.get("log");
  waitUntil(
    sendPoint(c.env, { route, method, status, durationMs, at: now }).catch((error: unknown) =>
      log?.warn("request point not recorded", { error }),
    ),
  );
}
