/**
 * Who gets told what, and where: the per-user (event, channel) choices over their defaults,
 * the channels each event may use, and each channel's destination (checked, saved, proven when
 * the channel needs it).
 */
import { and, eq } from "drizzle-orm";
import type { AuditEntry } from "../audit";
import { db } from "../db/client";
import {
  ADMIN_EVENTS,
  CHANNELS,
  type Channel,
  type ChannelDestinationRow,
  channelDestinations,
  destinationCodes,
  isStaff,
  NOTIFICATION_EVENTS,
  type NotificationEvent,
  notificationPreferences,
  type Role,
  STAFF_EVENTS,
} from "../db/schema";
import type { Logger } from "../log";
import { chatWebhookAllowed } from "./channels/webhooks-chat";
import { normaliseAddress } from "./suppression";
import { assertCodeAllowed, needsVerification, sendVerificationCode } from "./verification";

/** Events a user can switch per channel (the digest is email only). */
export const USER_EVENTS = NOTIFICATION_EVENTS;

/** The events an account of `role` is told about and sees in its settings: staff events for staff only. */
export const eventsFor = (role: Role): readonly NotificationEvent[] =>
  role === "admin"
    ? NOTIFICATION_EVENTS
    : isStaff(role)
      ? NOTIFICATION_EVENTS.filter((e) => !ADMIN_EVENTS.includes(e))
      : NOTIFICATION_EVENTS.filter((e) => !STAFF_EVENTS.includes(e));

/** Email is on by default for these; every other (event, channel) is off until chosen. */
const EMAIL_ON_BY_DEFAULT: readonly NotificationEvent[] = [
  "submission.completed",
  "submission.failed",
  "submission.cancelled",
  "submission.needs_review",
  "submission.replied",
  "account.password_changed",
  "account.api_key_created",
  "staff.new_request",
  "staff.customer_replied",
  "staff.draft_ready",
  "alert.firing",
  "alert.resolved",
];

export const defaultEnabled = (event: NotificationEvent, channel: Channel) =>
  channel === "email" && EMAIL_ON_BY_DEFAULT.includes(event);

/** Which channels an event may use at all (the digests are emails). */
export const channelsFor = (event: NotificationEvent): readonly Channel[] =>
  event === "digest.daily" || event === "staff.digest" ? ["email"] : CHANNELS;

export type PreferenceMatrix = Record<NotificationEvent, Partial<Record<Channel, boolean>>>;

/** The user's effective choices: stored rows over the defaults. */
export async function preferencesOf(env: Env, userId: string): Promise<PreferenceMatrix> {
  const rows = await db(env.DB)
    .select()
    .from(notificationPreferences)
    .where(eq(notificationPreferences.userId, userId));
  const matrix = {} as PreferenceMatrix;
  for (const event of USER_EVENTS) {
    matrix[event] = {};
    for (const channel of channelsFor(event)) matrix[event][channel] = defaultEnabled(event, channel);
  }
  for (const r of rows) {
    if (channelsFor(r.event).includes(r.channel)) matrix[r.event][r.channel] = r.enabled === 1;
  }
  return matrix;
}

/** Stores choices (only the given cells change). */
export async function setPreferences(
  env: Env,
  userId: string,
  changes: { event: NotificationEvent; channel: Channel; enabled: boolean }[],
  now = Date.now(),
): Promise<void> {
  const valid = changes.filter((c) => channelsFor(c.event).includes(c.channel));
  if (valid.length === 0) return;
  const d = db(env.DB);
  const [first, ...rest] = valid.map((c) =>
    d
      .insert(notificationPreferences)
      .values({ userId, event: c.event, channel: c.channel, enabled: c.enabled ? 1 : 0, updatedAt: now })
      .onConflictDoUpdate({
        target: [notificationPreferences.userId, notificationPreferences.event, notificationPreferences.channel],
        set: { enabled: c.enabled ? 1 : 0, updatedAt: now },
      }),
  );
  if (first) await d.batch([first, ...rest]);
}

export async function isEnabled(env: Env, userId: string, event: NotificationEvent, channel: Channel) {
  const [row] = await db(env.DB)
    .select({ enabled: notificationPreferences.enabled })
    .from(notificationPreferences)
    .where(
      and(
        eq(notificationPreferences.userId, userId),
        eq(notificationPreferences.event, event),
        eq(notificationPreferences.channel, channel),
      ),
    )
    .limit(1);
  return row ? row.enabled === 1 : defaultEnabled(event, channel);
}

/** Channels that take a destination (email goes to the account's own address). */
export const DESTINATION_CHANNELS = ["sms", "whatsapp", "telegram", "slack", "discord"] as const;
export type DestinationChannel = (typeof DESTINATION_CHANNELS)[number];

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Checks (and normalises) a destination: E.164 numbers for SMS and WhatsApp, a numeric chat id
 * (or `@channelname`) for Telegram, the providers' own webhook URLs for Slack and Discord —
 * no other host is accepted, so a destination can never point requests at internal systems.
 * Returns the normalised address or a reason.
 */
export function checkDestination(
  channel: DestinationChannel,
  raw: string,
): { ok: true; address: string } | { ok: false; reason: string } {
  const address = normaliseAddress(channel, raw);
  switch (channel) {
    case "sms":
    case "whatsapp":
      return E164.test(address)
        ? { ok: true, address }
        : { ok: false, reason: "Enter the number in international form, e.g. +420601234567." };
    case "telegram":
      return /^-?\d{1,20}$/.test(address) || /^@[A-Za-z][A-Za-z0-9_]{4,31}$/.test(address)
        ? { ok: true, address }
        : { ok: false, reason: "Enter a numeric Telegram chat id (or @channelname)." };
    case "slack":
      return chatWebhookAllowed("slack", address)
        ? { ok: true, address }
        : { ok: false, reason: "Enter a Slack incoming webhook URL (https://hooks.slack.com/services/…)." };
    case "discord":
      return chatWebhookAllowed("discord", address)
        ? { ok: true, address }
        : { ok: false, reason: "Enter a Discord webhook URL (https://discord.com/api/webhooks/…)." };
  }
}

export async function destinationsOf(env: Env, userId: string): Promise<ChannelDestinationRow[]> {
  return db(env.DB).select().from(channelDestinations).where(eq(channelDestinations.userId, userId));
}

/**
 * Sets (address) or removes (null) a destination; the address must have passed
 * `checkDestination`. A new address of a channel that needs proof (SMS, WhatsApp, Telegram)
 * starts unverified and any code pending for the old one is dropped; saving the same address
 * again keeps its state. Slack and Discord URLs are verified on save (the URL itself is the
 * workspace's secret, and posting to it costs nothing). Returns whether it is verified now.
 */
export async function setDestination(
  env: Env,
  userId: string,
  channel: DestinationChannel,
  address: string | null,
  now = Date.now(),
): Promise<{ verified: boolean }> {
  const d = db(env.DB);
  const mine = and(eq(channelDestinations.userId, userId), eq(channelDestinations.channel, channel));
  const codes = and(eq(destinationCodes.userId, userId), eq(destinationCodes.channel, channel));
  if (address === null) {
    await d.batch([d.delete(channelDestinations).where(mine), d.delete(destinationCodes).where(codes)]);
    return { verified: false };
  }
  const [current] = await d.select().from(channelDestinations).where(mine).limit(1);
  if (current?.address === address) {
    await d.update(channelDestinations).set({ updatedAt: now }).where(mine);
    return { verified: current.verifiedAt !== null };
  }
  const verifiedAt = needsVerification(channel) ? null : now;
  await d.batch([
    d
      .insert(channelDestinations)
      .values({ userId, channel, address, createdAt: now, updatedAt: now, verifiedAt })
      .onConflictDoUpdate({
        target: [channelDestinations.userId, channelDestinations.channel],
        set: { address, updatedAt: now, verifiedAt },
      }),
    d.delete(destinationCodes).where(codes),
  ]);
  return { verified: verifiedAt !== null };
}

/**
 * A user's new destination for a channel, saved with its ownership rules — the one path the
 * API and the portal share. The code limits are checked before anything is written (a refused
 * code leaves the old destination as it was); `audit` records the change once the row is
 * written; an unverified destination of a channel that needs proof is then sent its code.
 * Throws the limits' and the provider's problems.
 */
export async function saveDestination(
  env: Env,
  input: { userId: string; channel: DestinationChannel; address: string; log: Logger },
  audit: (entry: Pick<AuditEntry, "action" | "targetType" | "targetId" | "before" | "after">) => Promise<void>,
): Promise<{ verified: boolean; codeExpiresAt: number | null }> {
  const { userId, channel, address } = input;
  const current = (await destinationsOf(env, userId)).find((d) => d.channel === channel) ?? null;
  const unchanged = current?.address === address && current.verifiedAt !== null;
  if (needsVerification(channel) && !unchanged) await assertCodeAllowed(env, userId, channel, address);
  const { verified } = await setDestination(env, userId, channel, address);
  await audit({
    action: "notification.destination_set",
    targetType: "user",
    targetId: userId,
    before: { channel, address: current?.address ?? null },
    after: { channel, address },
  });
  if (verified || !needsVerification(channel)) return { verified, codeExpiresAt: null };
  const sent = await sendVerificationCode(env, userId, channel, address, input.log);
  return { verified, codeExpiresAt: sent.expiresAt };
}
