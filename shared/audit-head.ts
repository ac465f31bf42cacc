/**
 * The audit chain's daily head copy: once a day the cron writes the chain's last id and hash to
 * R2, a record outside D1, so a rewrite of the whole table (which would verify on its own)
 * still shows against it. The R2 key shape is stated here once.
 */
import { desc } from "drizzle-orm";
import { auditLog } from "./db/audit";
import { db } from "./db/client";

/** R2 key of a day's chain head: `audit/heads/<YYYY-MM-DD>.json`. */
export const auditHeadKey = (now: number) => `audit/heads/${new Date(now).toISOString().slice(0, 10)}.json`;

/**
 * Writes the chain's head (last id and hash) to R2 under the day's key; null when the trail is
 * still empty.
 */
export async function writeAuditHead(env: Env, now = Date.now()): Promise<{ id: number; hash: string } | null> {
  const [head] = await db(env.DB)
    .select({ id: auditLog.id, hash: auditLog.hash, at: auditLog.at })
    .from(auditLog)
    .orderBy(desc(auditLog.id))
    .limit(1);
  if (!head) return null;
  await env.FILES.put(auditHeadKey(now), JSON.stringify({ ...head, writtenAt: new Date(now).toISOString() }), {
    httpMetadata: { contentType: "application/json" },
  });
  return { id: head.id, hash: head.hash };
}
