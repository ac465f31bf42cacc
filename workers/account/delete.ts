import { eq, inArray } from "drizzle-orm";
import { db } from "../../shared/db/client";
import {
  aiUsage,
  apiKeys,
  authTokens,
  channelDestinations,
  idempotencyKeys,
  notificationPreferences,
  notifications,
  sessions,
  submissionSteps,
  submissions,
  users,
  webhookEndpoints,
} from "../../shared/db/schema";
import type { Logger } from "../../shared/log";
import { deleteInboundOf } from "../../shared/mail/cleanup";
import { deleteObjects, submissionObjectKeys } from "../../shared/submissions/storage";
import { keyCache } from "../auth/key-cache";

/**
 * Deletes an account and everything of it: R2 objects of its submissions, each job's
 * Durable Object storage, then every D1 row (one batch, children first, so it holds whether
 * or not foreign keys cascade). Returns what was removed, for the log.
 */
export async function deleteAccount(
  env: Env,
  userId: string,
  log: Logger,
): Promise<{ submissions: number; objects: number }> {
  const d = db(env.DB);
  const subs = await d
    .select({ id: submissions.id, inputKey: submissions.inputKey, resultKey: submissions.resultKey })
    .from(submissions)
    .where(eq(submissions.userId, userId));
  const ids = subs.map((s) => s.id);

  const keys = (await Promise.all(subs.map((s) => submissionObjectKeys(env.FILES, s)))).flat();
  await deleteObjects(env.FILES, keys);

  const [owner] = await d.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId)).limit(1);
  if (owner) await deleteInboundOf(env, owner);

  // Stop each job and drop what its object stored (the address, the input key, outputs).
  await Promise.all(ids.map((id) => env.JOB_COORDINATOR.getByName(id).purge()));

  // Children are found by a subquery on the owner, never by a list of ids: D1 binds at most
  // 100 parameters a statement, and an account may have thousands of requests.
  const own = d.select({ id: submissions.id }).from(submissions).where(eq(submissions.userId, userId));
  await d.batch([
    d.delete(aiUsage).where(inArray(aiUsage.submissionId, own)),
    d.delete(notifications).where(inArray(notifications.submissionId, own)),
    // Account notices and digests; their attempt timelines go with them (foreign key cascade).
    d.delete(notifications).where(eq(notifications.userId, userId)),
    d.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
    d.delete(channelDestinations).where(eq(channelDestinations.userId, userId)),
    d.delete(submissionSteps).where(inArray(submissionSteps.submissionId, own)),
    d.delete(submissions).where(eq(submissions.userId, userId)),
    d.delete(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)),
    d.delete(idempotencyKeys).where(eq(idempotencyKeys.userId, userId)),
    d.delete(apiKeys).where(eq(apiKeys.userId, userId)),
    d.delete(sessions).where(eq(sessions.userId, userId)),
    d.delete(authTokens).where(eq(authTokens.userId, userId)),
    d.delete(users).where(eq(users.id, userId)),
  ]);
  keyCache.forget({ userId });
  log.info("account deleted", { userId, submissions: ids.length, objects: keys.length });
  return { submissions: ids.length, objects: keys.length };
}
