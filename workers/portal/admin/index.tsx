/**
 * The portal's admin area beyond the overview (`/app/admin/*`): the audit trail, the request
 * history, the dashboard, the alerts, the mail quarantine, inbound mail routing (`mail.tsx`) and
 * mail analytics (`mail-analytics.tsx`).
 * One `requireAdmin` guards every path under it, matched or not.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { requireAdmin } from "../session";
import { alertPages } from "./alerts";
import { auditPages } from "./audit";
import { dashboardPages } from "./dashboard";
import { mailPages } from "./mail";
import { mailAnalyticsPages } from "./mail-analytics";
import { quarantinePages } from "./quarantine";
import { requestPages } from "./requests";

/** `/app/admin/*` beyond the overview: search pages, CSV exports and the dashboard. */
export const adminPages = new Hono<AppEnv>()
  .use(requireAdmin)
  .route("/", auditPages)
  .route("/", requestPages)
  .route("/", dashboardPages)
  .route("/", alertPages)
  .route("/", quarantinePages)
  .route("/", mailPages)
  .route("/", mailAnalyticsPages);
