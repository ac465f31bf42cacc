import { desc } from "drizzle-orm";
import { db } from "../../shared/db/client";
import { auditLog } from "../../shared/db/schema";

/** R2 key of a day's chain head. */
export const auditHeadKey = (now: number) => `audit/heads/${new Date(now).toISOString().slice(0, 10)}.json`;

/**
 * Writes the chain's head (last id and hash) to R2 once a day: a copy outside D1, so a
 * rewrite of the whole table — which would verify on its own — still shows against it.
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
