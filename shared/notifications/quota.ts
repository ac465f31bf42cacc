/**
 * Daily quotas of the paid channels: how many messages one user may be sent per UTC day.
 *
 * Counted from the delivery log (`notifications.charged_at`, indexed with the user and channel),
 * so there is no second counter to drift. A delivery is charged once, when its first send is
 * attempted, by a conditional UPDATE whose condition is the count itself: D1 runs each
 * statement alone, so two concurrent senders cannot both take the last slot.
 *
 * The day is UTC, not the user's: the quota bounds the operator's spend, which providers bill
 * in UTC, and a user who changes their time zone must not get a second budget the same day.
 */
import type { Channel } from "../db/schema";

/** Channels that cost money per message (Telegram, Slack and Discord are free to send on). */
export const QUOTA_CHANNELS = ["sms", "whatsapp"] as const;
export type QuotaChannel = (typeof QUOTA_CHANNELS)[number];

const DEFAULTS: Record<QuotaChannel, number> = { sms: 20, whatsapp: 50 };

const DAY_MS = 86_400_000;

/** Start of the UTC day of `now`, epoch ms. */
export const utcDayStart = (now: number) => Math.floor(now / DAY_MS) * DAY_MS;

const isQuotaChannel = (channel: string): channel is QuotaChannel =>
  (QUOTA_CHANNELS as readonly string[]).includes(channel);

/** The channel's daily limit per user, or null when it has none (free channel, or set to 0). */
export function dailyQuota(env: Env, channel: Channel | string): number | null {
  if (!isQuotaChannel(channel)) return null;
  const raw = channel === "sms" ? env.NOTIFY_DAILY_QUOTA_SMS : env.NOTIFY_DAILY_QUOTA_WHATSAPP;
  if (raw === undefined || raw === null) return DEFAULTS[channel];
  const text = String(raw).trim();
  if (text === "") return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) return DEFAULTS[channel];
  return n === 0 ? null : n;
}

/** Messages charged to the user on the channel today (UTC). */
export async function usedToday(env: Env, userId: string, channel: string, now = Date.now()): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM notifications WHERE user_id = ? AND channel = ? AND charged_at >= ?",
  )
    .bind(userId, channel, utcDayStart(now))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Today's use and limit of every paid channel, for the API and the portal. */
export async function quotasOf(env: Env, userId: string, now = Date.now()) {
  const out: { channel: QuotaChannel; used: number; limit: number; resetsAt: string }[] = [];
  for (const channel of QUOTA_CHANNELS) {
    const limit = dailyQuota(env, channel);
    if (limit === null) continue;
    out.push({
      channel,
      used: await usedToday(env, userId, channel, now),
      limit,
      resetsAt: new Date(utcDayStart(now) + DAY_MS).toISOString(),
    });
  }
  return out;
}

/**
 * Charges one delivery to its user's quota: true when it fits (or the channel has no quota, or
 * the row was charged by an earlier attempt), false when today's quota is used up.
 */
export async function chargeDelivery(
  env: Env,
  row: { id: string; userId: string | null; channel: string; chargedAt: number | null },
  now = Date.now(),
): Promise<boolean> {
  const limit = dailyQuota(env, row.channel);
  if (limit === null || row.chargedAt !== null) return true;
  if (!row.userId) return false;
  const charged = await env.DB.prepare(
    `UPDATE notifications SET charged_at = ? WHERE id = ? AND charged_at IS NULL
       AND (SELECT count(*) FROM notifications WHERE user_id = ? AND channel = ? AND charged_at >= ?) < ?
     RETURNING id`,
  )
    .bind(now, row.id, row.userId, row.channel, utcDayStart(now), limit)
    .first<{ id: string }>();
  return charged !== null;
}

/** What the delivery log and the API say when the quota stops a message. */
export const quotaReachedText = (channel: string, limit: number) =>
  `daily ${channel === "sms" ? "SMS" : channel === "whatsapp" ? "WhatsApp" : channel} quota reached (${limit} a day per user); not sent. It resets at 00:00 UTC.`;
