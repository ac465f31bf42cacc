/**
 * The template values of an alert notice, from the alert's own row (never from the queued
 * message). A delivery's id is `alert_<alert id>_<user id>:<event>:<channel>`
 * (shared/notifications/deliver.ts), so the alert is found from the delivery alone.
 */
import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { alerts } from "../db/schema";

const RULE_WORDS: Record<string, string> = {
  burn_rate: "error budget burn rate",
  dlq: "dead-letter queue not empty",
  provider_down: "AI provider failing every call",
  channel_delivery: "delivery channel under its rate",
};

const utc = (ms: number | null | undefined) =>
  ms ? `${new Date(ms).toISOString().replace("T", " ").slice(0, 16)} UTC` : "";

/** The alert id inside a delivery id, or null if the id is not an alert's. */
export const alertIdOf = (deliveryId: string): string | null =>
  /^alert_([A-Za-z0-9]+)_/.exec(deliveryId.split(":")[0] ?? "")?.[1] ?? null;

/** `summary`, `rule`, `severity`, `since`, `resolved` and `link` of the delivery's alert. */
export async function alertVars(env: Env, deliveryId: string): Promise<Record<string, string>> {
  const id = alertIdOf(deliveryId);
  const [a] = id ? await db(env.DB).select().from(alerts).where(eq(alerts.id, id)).limit(1) : [];
  const link = `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/app/admin/alerts`;
  if (!a) return { summary: "an alert", rule: "", severity: "", since: "", resolved: "", link };
  return {
    summary: a.summary,
    rule: RULE_WORDS[a.rule] ?? a.rule,
    severity: a.severity,
    since: utc(a.firedAt),
    resolved: utc(a.resolvedAt),
    link,
  };
}
