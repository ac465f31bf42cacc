/**
 * Unsubscribe links: a signed, expiring token naming one user, event and channel, issued into
 * every message sent to an account and read back by the `/u/unsubscribe/<token>` page, which
 * works without signing in.
 */
import { CHANNELS, type Channel, NOTIFICATION_EVENTS, type NotificationEvent } from "../db/schema";
import { issueToken, readToken } from "../signing";

/** Unsubscribe links work this long (a year: people unsubscribe from old mail). */
const UNSUBSCRIBE_TTL_MS = 365 * 24 * 3600_000;

/** What an unsubscribe link switches off. */
export type UnsubscribeTarget = { userId: string; event: NotificationEvent; channel: Channel };

/** The signed subject of an unsubscribe link: `<user id>~<event with - for .>~<channel>`. */
const unsubscribeSubject = (userId: string, event: NotificationEvent, channel: Channel) =>
  `${userId}~${event.replace(".", "-")}~${channel}`;

/** A link that switches this event off on this channel, without signing in. */
export async function unsubscribeUrl(env: Env, userId: string, event: NotificationEvent, channel: Channel) {
  const key = env.SIGNING_KEY;
  if (!key) return undefined;
  const token = await issueToken(key, "unsubscribe", unsubscribeSubject(userId, event, channel), UNSUBSCRIBE_TTL_MS);
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/u/unsubscribe/${token}`;
}

/** Reads an unsubscribe token: what it switches off, `expired`, or null when it is not one of ours. */
export async function readUnsubscribeToken(env: Env, token: string): Promise<UnsubscribeTarget | "expired" | null> {
  const key = env.SIGNING_KEY;
  if (!key) return null;
  const check = await readToken(key, "unsubscribe", token);
  if (check.status === "expired") return "expired";
  if (check.status !== "ok") return null;
  const [userId, event, channel] = check.subject.split("~");
  const ev = event?.replace("-", ".");
  if (!userId || !(NOTIFICATION_EVENTS as readonly string[]).includes(ev ?? "")) return null;
  if (!(CHANNELS as readonly string[]).includes(channel ?? "")) return null;
  return { userId, event: ev as NotificationEvent, channel: channel as Channel };
}
