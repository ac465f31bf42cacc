import { eq } from "drizzle-orm";
import { db } from "../db/client";
import { submissions } from "../db/schema";
import type { Logger } from "../log";
import { emitWebhookEvent } from "../webhooks/deliver";

const EVENT = {
  completed: "submission.completed",
  failed: "submission.failed",
  cancelled: "submission.cancelled",
} as const;

/**
 * Tells the owner's webhook endpoints that a submission reached a final state. Called once
 * per terminal transition by the job's Durable Object.
 */
export async function announceTerminal(
  env: Env,
  submissionId: string,
  status: keyof typeof EVENT,
  log: Logger,
): Promise<void> {
  const [s] = await db(env.DB).select().from(submissions).where(eq(submissions.id, submissionId)).limit(1);
  if (!s) return;
  const count = await emitWebhookEvent(env, s.userId, EVENT[status], {
    id: s.id,
    status,
    summary: s.summary,
    error: s.error,
    completedAt: s.completedAt === null ? null : new Date(s.completedAt).toISOString(),
  });
  if (count > 0) log.info("webhook events queued", { event: EVENT[status], count });
}
