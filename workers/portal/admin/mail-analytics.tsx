/**
 * `/app/admin/mail/analytics`: what inbound mail became per UTC day and address (received,
 * accepted, confirmed, refused by reason, quarantined, released, forwarded, ignored), outbound
 * mail sent, delivered (no bounce reported), bounced and complained, and the median times from
 * a message's arrival to our acknowledgement and to its result — each an SVG chart (charts.ts)
 * followed by the same numbers as a table (`mail-analytics-view.tsx`). The figures are
 * `mailAnalytics`'s (shared/mail/analytics/report.ts), the same as `/metrics` exports.
 *
 * Filters: `days` (7 or 30) and `address` (one of the addresses the page lists: configured, or
 * with counted mail). Anything else is a 400 page that says what is wrong; nothing is read.
 */
import { Hono } from "hono";
import { z } from "zod";
import { db } from "../../../shared/db/client";
import { OUTBOUND_ADDRESS, UNKNOWN_ADDRESS } from "../../../shared/db/schema";
import { HttpProblem } from "../../../shared/http/problem";
import { inboundAddress } from "../../../shared/mail/address";
import { dayOf } from "../../../shared/mail/analytics/count";
import { ANALYTICS_DAYS, countedAddresses, mailAnalytics } from "../../../shared/mail/analytics/report";
import { listRouting } from "../../../shared/mail/routes/repo";
import type { AppEnv } from "../../app-env";
import { MailAnalyticsView } from "./mail-analytics-view";
import { adminPage } from "./page";

/** The page's query: unknown keys are ignored, known ones must be right. */
const analyticsQuery = z.object({
  days: z
    .enum(ANALYTICS_DAYS.map(String) as ["7", "30"], { message: "The range must be 7 or 30 days." })
    .default("30")
    .transform(Number),
  address: z
    .string()
    .trim()
    .max(254, "An address has at most 254 characters.")
    .optional()
    .transform((v) => v?.toLowerCase() || null),
});

const bad = (detail: string) => new HttpProblem(400, "bad-request", "Bad Request", detail);

/** The addresses the filter offers: every configured one, the inbound address, and any with counted mail. */
async function addressOptions(env: Env, now: number): Promise<string[]> {
  const [{ addresses }, counted] = await Promise.all([
    listRouting(db(env.DB)),
    countedAddresses(env.DB, dayOf(now - 29 * 86_400_000)),
  ]);
  return [...new Set([inboundAddress(env).address, ...addresses.map((a) => a.address), ...counted, UNKNOWN_ADDRESS])]
    .filter((a) => a !== OUTBOUND_ADDRESS)
    .sort();
}

/** The page; mounted behind `requireAdmin` (index.tsx). */
export const mailAnalyticsPages = new Hono<AppEnv>().get("/mail/analytics", async (c) => {
  const parsed = analyticsQuery.safeParse({ days: c.req.query("days") || undefined, address: c.req.query("address") });
  if (!parsed.success) throw bad(parsed.error.issues[0]?.message ?? "Check the filters.");
  const now = Date.now();
  const options = await addressOptions(c.env, now);
  const { days, address } = parsed.data;
  if (address && !options.includes(address)) {
    throw bad("No mail is counted under that address: choose one of the addresses the page lists.");
  }
  const data = await mailAnalytics(c.env.DB, { days, address, now });
  return adminPage(
    c,
    "Mail analytics",
    "/app/admin/mail",
    <MailAnalyticsView data={data} days={days} options={options} />,
  );
});
