/**
 * Proof that a destination belongs to the user who saved it. SMS, WhatsApp and Telegram can
 * reach anyone whose number or chat id is typed in; without proof, the form is a tool for SMS
 * pumping and spam. So a new address first gets a 6-digit code, sent through the channel's own
 * adapter with our text only, and receives nothing else until the code is entered.
 *
 * Telegram: a bot can only write to chats that started it, and a chat id is the only address
 * the adapter knows; the code goes to that chat, so only someone who reads it can enter it.
 *
 * Codes are bounded, since otherwise sending codes becomes the pumping tool: one pending code
 * per destination (a new one replaces it), one send a minute per destination, at most
 * `CODES_PER_DESTINATION` unconfirmed codes to one address in 24 hours across every account,
 * `CODES_PER_USER_DAY` a day per user, and every code is charged to the paid channel's quota.
 */
import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import {
  type Channel,
  channelDestinations,
  type DestinationCodeRow,
  destinationCodes,
  notificationAttempts,
  notifications,
} from "../db/schema";
import { HttpProblem } from "../http/problem";
import { ulid } from "../ids";
import type { Logger } from "../log";
import { ADAPTERS, ChannelError } from "./channels";
import { chargeDelivery, dailyQuota, quotaReachedText, usedToday, utcDayStart } from "./quota";
import { findSuppression } from "./suppression";

/** Channels whose destinations must be proven before anything is sent to them. */
export const VERIFIED_CHANNELS = ["sms", "whatsapp", "telegram"] as const;
export type VerifiedChannel = (typeof VERIFIED_CHANNELS)[number];

/** The delivery-log event of an ownership code (not a user-selectable event). */
export const VERIFICATION_EVENT = "destination.verification";

export const CODE_TTL_MS = 10 * 60_000;
export const MAX_CODE_TRIES = 5;
export const RESEND_AFTER_MS = 60_000;
export const CODES_PER_DESTINATION = 5;
export const CODES_PER_USER_DAY = 10;

export const needsVerification = (channel: Channel | string): channel is VerifiedChannel =>
  (VERIFIED_CHANNELS as readonly string[]).includes(channel);

const encoder = new TextEncoder();

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** A uniformly random 6-digit code (rejection sampling: no modulo bias). */
function newCode(): string {
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    const v = buf[0] ?? 0;
    if (v < 4_294_000_000) return String(v % 1_000_000).padStart(6, "0");
  }
}

async function mac(env: Env, salt: string, parts: string[]): Promise<Uint8Array> {
  // Keyed, so a leaked table does not give the codes away to a 10^6 brute force.
  const secret = env.SIGNING_KEY || "statex-destination-codes";
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode([salt, ...parts].join("\n"))));
}

async function hashCode(env: Env, row: { userId: string; channel: string; address: string }, code: string) {
  const salt = hex(crypto.getRandomValues(new Uint8Array(16)));
  return `${salt}.${hex(await mac(env, salt, [row.userId, row.channel, row.address, code]))}`;
}

async function codeMatches(env: Env, row: DestinationCodeRow, code: string): Promise<boolean> {
  const [salt = "", stored = ""] = row.codeHash.split(".");
  const given = encoder.encode(hex(await mac(env, salt, [row.userId, row.channel, row.address, code])));
  const expected = encoder.encode(stored);
  return given.length === expected.length && crypto.subtle.timingSafeEqual(given, expected);
}

/** The message that carries the code: our words only, nothing the user typed. */
export function codeText(code: string): string {
  return `StateX: your code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`;
}

const tooMany = (detail: string, retryAfterSeconds: number) =>
  new HttpProblem(429, "rate-limited", "Too Many Requests", detail, {
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

const secondsToNextDay = (now: number) => (utcDayStart(now) + 86_400_000 - now) / 1000;

/**
 * Throws 429 problem+json when a code may not be sent to `address` now; says which bound was
 * hit. Checked before a destination is saved, so a refused request changes nothing.
 */
export async function assertCodeAllowed(
  env: Env,
  userId: string,
  channel: VerifiedChannel,
  address: string,
  now = Date.now(),
): Promise<void> {
  // An address that opted out (STOP, blocked bot) or is dead gets no code either.
  if (await findSuppression(env, channel, address)) {
    throw new HttpProblem(
      422,
      "validation",
      "Validation Failed",
      "/address: nothing can be sent to this address (it opted out or was reported unreachable)",
      { errors: [{ pointer: "/address", detail: "nothing can be sent to this address" }] },
    );
  }
  const [pending] = await db(env.DB)
    .select()
    .from(destinationCodes)
    .where(and(eq(destinationCodes.userId, userId), eq(destinationCodes.channel, channel)))
    .limit(1);
  if (pending && pending.address === address && now - pending.sentAt < RESEND_AFTER_MS) {
    const wait = (pending.sentAt + RESEND_AFTER_MS - now) / 1000;
    throw tooMany(`A code was sent less than a minute ago; ask for another in ${Math.ceil(wait)} seconds.`, wait);
  }
  const counts = await env.DB.prepare(
    `SELECT
       (SELECT count(*) FROM notifications WHERE channel = ?1 AND recipient = ?2 AND event = ?3 AND created_at > ?4 AND status != 'delivered') AS destination,
       (SELECT count(*) FROM notifications WHERE user_id = ?5 AND created_at >= ?6 AND event = ?3) AS user`,
  )
    .bind(channel, address, VERIFICATION_EVENT, now - 86_400_000, userId, utcDayStart(now))
    .first<{ destination: number; user: number }>();
  if ((counts?.destination ?? 0) >= CODES_PER_DESTINATION) {
    throw tooMany(
      `This address was sent ${CODES_PER_DESTINATION} codes in the last 24 hours that nobody entered; try again tomorrow.`,
      86_400,
    );
  }
  if ((counts?.user ?? 0) >= CODES_PER_USER_DAY) {
    throw tooMany(
      `You asked for ${CODES_PER_USER_DAY} codes today, the most a day; try again after 00:00 UTC.`,
      secondsToNextDay(now),
    );
  }
  const limit = dailyQuota(env, channel);
  if (limit !== null && (await usedToday(env, userId, channel, now)) >= limit) {
    throw tooMany(
      `Today's ${channel === "sms" ? "SMS" : "WhatsApp"} quota (${limit} messages) is used up, so no code can be sent; it resets at 00:00 UTC.`,
      secondsToNextDay(now),
    );
  }
}

/**
 * Sends a fresh code to the user's destination on `channel` (replacing any pending one) and
 * logs it in the delivery log, charged to the channel's quota. The bounds are checked again
 * inside the insert itself, so concurrent requests cannot overshoot them. Throws 429 when a
 * bound is reached, 502 when the provider refused the message.
 */
export async function sendVerificationCode(
  env: Env,
  userId: string,
  channel: VerifiedChannel,
  address: string,
  log: Logger,
  now = Date.now(),
): Promise<{ sentAt: number; expiresAt: number }> {
  await assertCodeAllowed(env, userId, channel, address, now);
  const id = `verify_${ulid(now)}:${VERIFICATION_EVENT}:${channel}`;
  const limit = dailyQuota(env, channel);
  const inserted = await env.DB.prepare(
    `INSERT INTO notifications (id, user_id, event, channel, recipient, status, attempts, created_at, updated_at, charged_at)
     SELECT ?1, ?2, ?3, ?4, ?5, 'sending', 1, ?6, ?6, ?7
     WHERE (SELECT count(*) FROM notifications WHERE channel = ?4 AND recipient = ?5 AND event = ?3 AND created_at > ?8 AND status != 'delivered') < ?9
       AND (SELECT count(*) FROM notifications WHERE user_id = ?2 AND created_at >= ?10 AND event = ?3) < ?11
       AND (?12 IS NULL OR (SELECT count(*) FROM notifications WHERE user_id = ?2 AND channel = ?4 AND charged_at >= ?10) < ?12)
     RETURNING id`,
  )
    .bind(
      id,
      userId,
      VERIFICATION_EVENT,
      channel,
      address,
      now,
      limit === null ? null : now,
      now - 86_400_000,
      CODES_PER_DESTINATION,
      utcDayStart(now),
      CODES_PER_USER_DAY,
      limit,
    )
    .first<{ id: string }>();
  if (!inserted) throw tooMany("Too many codes were asked for at once; try again in a minute.", 60);

  const code = newCode();
  const expiresAt = now + CODE_TTL_MS;
  const d = db(env.DB);
  const row = { userId, channel, address, codeHash: await hashCode(env, { userId, channel, address }, code) };
  await d
    .insert(destinationCodes)
    .values({ ...row, attempts: 0, sentAt: now, expiresAt, notificationId: id })
    .onConflictDoUpdate({
      target: [destinationCodes.userId, destinationCodes.channel],
      set: { address, codeHash: row.codeHash, attempts: 0, sentAt: now, expiresAt, notificationId: id },
    });

  try {
    const result = await ADAPTERS[channel].send(env, { to: address, subject: "", text: codeText(code) });
    // `sent`, even where the provider confirms delivery: `delivered` is kept for "the code was entered".
    await d.batch([
      d
        .update(notifications)
        .set({ status: "sent", providerMessageId: result.providerMessageId, sentAt: Date.now(), updatedAt: Date.now() })
        .where(eq(notifications.id, id)),
      d.insert(notificationAttempts).values({
        notificationId: id,
        status: "sent",
        attempt: 1,
        providerMessageId: result.providerMessageId,
        at: Date.now(),
      }),
    ]);
    log.info("destination code sent", { notificationId: id, channel });
    return { sentAt: now, expiresAt };
  } catch (cause) {
    const text = (cause instanceof Error ? cause.message : String(cause)).slice(0, 500);
    await d.batch([
      d
        .update(notifications)
        .set({ status: "failed", error: text, updatedAt: Date.now() })
        .where(eq(notifications.id, id)),
      d.insert(notificationAttempts).values({
        notificationId: id,
        status: "failed",
        attempt: 1,
        error: text,
        httpStatus: cause instanceof ChannelError ? cause.httpStatus : null,
        at: Date.now(),
      }),
      d.delete(destinationCodes).where(and(eq(destinationCodes.userId, userId), eq(destinationCodes.channel, channel))),
    ]);
    log.warn("destination code not sent", { notificationId: id, channel, error: cause });
    throw new HttpProblem(
      502,
      "bad-gateway",
      "Bad Gateway",
      "The code could not be sent to this address. Check it, then ask for another code.",
      { cause },
    );
  }
}

const CODE_FORMAT = /^\d{6}$/;

/**
 * Checks a code the user entered. Right: the destination is verified and the code's log row
 * becomes `delivered`. Wrong: 422 with the tries left; expired, used up or none pending: 422/429
 * telling the user to ask for a new code. Each try is counted before the comparison, so
 * concurrent guesses cannot exceed `MAX_CODE_TRIES`.
 */
export async function confirmCode(
  env: Env,
  userId: string,
  channel: VerifiedChannel,
  rawCode: string,
  now = Date.now(),
): Promise<{ address: string }> {
  const code = rawCode.replace(/[\s-]/g, "");
  const invalid = (detail: string) =>
    new HttpProblem(422, "validation", "Validation Failed", `/code: ${detail}`, {
      errors: [{ pointer: "/code", detail }],
    });
  if (!CODE_FORMAT.test(code)) throw invalid("the code is the 6 digits we sent");
  const d = db(env.DB);
  const where = and(eq(destinationCodes.userId, userId), eq(destinationCodes.channel, channel));
  const counted = await env.DB.prepare(
    "UPDATE destination_codes SET attempts = attempts + 1 WHERE user_id = ? AND channel = ? AND attempts < ? AND expires_at > ? RETURNING attempts",
  )
    .bind(userId, channel, MAX_CODE_TRIES, now)
    .first<{ attempts: number }>();
  if (!counted) {
    const [pending] = await d.select().from(destinationCodes).where(where).limit(1);
    if (pending && pending.attempts >= MAX_CODE_TRIES) {
      throw tooMany("Too many wrong codes; ask for a new code.", 1);
    }
    throw invalid(pending ? "the code has expired; ask for a new one" : "no code is pending; ask for one");
  }
  const [pending] = await d.select().from(destinationCodes).where(where).limit(1);
  if (!pending) throw invalid("no code is pending; ask for one");
  if (!(await codeMatches(env, pending, code))) {
    const left = MAX_CODE_TRIES - pending.attempts;
    throw left > 0
      ? invalid(`the code is wrong; ${left} ${left === 1 ? "try" : "tries"} left`)
      : tooMany("Too many wrong codes; ask for a new code.", 1);
  }
  const [verified] = await d
    .update(channelDestinations)
    .set({ verifiedAt: now })
    .where(
      and(
        eq(channelDestinations.userId, userId),
        eq(channelDestinations.channel, channel),
        eq(channelDestinations.address, pending.address),
      ),
    )
    .returning({ address: channelDestinations.address });
  await d.batch([
    d.delete(destinationCodes).where(where),
    d
      .update(notifications)
      .set({ status: "delivered", updatedAt: now })
      .where(and(eq(notifications.id, pending.notificationId), eq(notifications.status, "sent"))),
  ]);
  // The destination changed after the code was sent: that code proves nothing about the new one.
  if (!verified) throw invalid("the address changed since this code was sent; ask for a new one");
  return verified;
}

/** Whether deliveries to `address` on `channel` of this user may go out (proven, or no proof needed). */
export async function destinationVerified(
  env: Env,
  userId: string | null,
  channel: string,
  address: string,
): Promise<boolean> {
  if (!needsVerification(channel)) return true;
  if (!userId) return false;
  const [row] = await db(env.DB)
    .select({ verifiedAt: channelDestinations.verifiedAt })
    .from(channelDestinations)
    .where(
      and(
        eq(channelDestinations.userId, userId),
        eq(channelDestinations.channel, channel),
        eq(channelDestinations.address, address),
      ),
    )
    .limit(1);
  return row?.verifiedAt != null;
}

/**
 * Why a delivery-log row may not be sent now, or null when it may: an unproven destination,
 * or today's quota of a paid channel used up (charging the row when it fits).
 */
export async function sendRefusal(
  env: Env,
  row: { id: string; userId: string | null; channel: string; recipient: string; chargedAt: number | null },
  now = Date.now(),
): Promise<string | null> {
  if (!(await destinationVerified(env, row.userId, row.channel, row.recipient))) {
    return "destination not verified: nothing is sent until the code sent to it is entered";
  }
  if (!(await chargeDelivery(env, row, now))) return quotaReachedText(row.channel, dailyQuota(env, row.channel) ?? 0);
  return null;
}
