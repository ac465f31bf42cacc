/**
 * The suppression list: addresses nothing is sent to on a channel (bounces, complaints,
 * unsubscribes, dead numbers, an admin's entry), in one normalised form per channel.
 */
import { and, desc, eq } from "drizzle-orm";
import { db } from "../db/client";
import { type Channel, type SuppressionReason, type SuppressionRow, suppressions } from "../db/schema";

/**
 * The form an address is stored and compared in: email lower-cased and trimmed; phone numbers
 * without spaces, dashes or brackets; chat ids and webhook URLs trimmed.
 */
export function normaliseAddress(channel: Channel, address: string): string {
  const a = address.trim();
  if (channel === "email") return a.toLowerCase();
  if (channel === "sms" || channel === "whatsapp") return a.replace(/[\s().-]/g, "");
  return a;
}

/** Whether nothing may be sent to `address` on `channel`. */
export async function isSuppressed(env: Env, channel: Channel, address: string): Promise<boolean> {
  const [row] = await db(env.DB)
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address))))
    .limit(1);
  return row !== undefined;
}

/** The suppression entry of an address, if any (its reason is shown in the delivery log). */
export async function findSuppression(env: Env, channel: Channel, address: string): Promise<SuppressionRow | null> {
  const [row] = await db(env.DB)
    .select()
    .from(suppressions)
    .where(and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address))))
    .limit(1);
  return row ?? null;
}

/**
 * Puts an address on the suppression list. Idempotent: an address already listed keeps its
 * first reason and source. Returns whether it was newly added. `source` says who or what
 * (`bounce:<message id>`, `unsubscribe-link`, `provider:twilio`, `admin:<user id>`).
 */
export async function suppress(
  env: Env,
  entry: { channel: Channel; address: string; reason: SuppressionReason; source: string },
  now = Date.now(),
): Promise<boolean> {
  const inserted = await db(env.DB)
    .insert(suppressions)
    .values({
      channel: entry.channel,
      address: normaliseAddress(entry.channel, entry.address),
      reason: entry.reason,
      source: entry.source.slice(0, 200),
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ address: suppressions.address });
  return inserted.length > 0;
}

/** Takes an address off the list (an admin's decision). Returns whether it was listed. */
export async function unsuppress(env: Env, channel: Channel, address: string): Promise<boolean> {
  const deleted = await db(env.DB)
    .delete(suppressions)
    .where(and(eq(suppressions.channel, channel), eq(suppressions.address, normaliseAddress(channel, address))))
    .returning({ address: suppressions.address });
  return deleted.length > 0;
}

/** The newest entries, optionally of one channel. */
export async function listSuppressions(env: Env, channel?: Channel, limit = 100): Promise<SuppressionRow[]> {
  return db(env.DB)
    .select()
    .from(suppressions)
    .where(channel ? eq(suppressions.channel, channel) : undefined)
    .orderBy(desc(suppressions.createdAt))
    .limit(limit);
}
