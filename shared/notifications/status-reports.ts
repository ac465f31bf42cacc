/**
 * Providers' reports on messages already sent, applied to the delivery log: Twilio's SMS
 * status callback and the statuses in Meta's WhatsApp webhook mark a delivery delivered or
 * failed, and suppress a number the provider calls dead or opted out. The caller checks the
 * report's signature first.
 */
import { and, eq, ne } from "drizzle-orm";
import { db } from "../db/client";
import { notifications } from "../db/schema";
import { whatsappStatuses } from "./channels/whatsapp";
import { markDelivered, markUndelivered } from "./delivery-log";
import { VERIFICATION_EVENT } from "./verification";

/** Twilio error codes of numbers that cannot receive SMS: unreachable, unknown, landline. */
const TWILIO_INVALID = [30003, 30005, 30006];
/** Twilio error codes of numbers whose owner opted out. */
const TWILIO_OPTED_OUT = [21610, 30004];
/** WhatsApp's error for a number that is not on WhatsApp. */
const WHATSAPP_NOT_ON_WHATSAPP = 131026;

/**
 * One Twilio `StatusCallback` for our delivery `id`: `delivered` marks it delivered;
 * `undelivered`/`failed` mark it failed. A report about another message changes nothing.
 */
export async function recordTwilioStatus(
  env: Env,
  id: string,
  report: { MessageSid: string; MessageStatus: string; ErrorCode?: string | undefined },
): Promise<void> {
  const [row] = await db(env.DB).select().from(notifications).where(eq(notifications.id, id)).limit(1);
  // A callback for another message (or a row since deleted) changes nothing.
  if (row?.channel !== "sms" || row.providerMessageId !== report.MessageSid) return;
  if (report.MessageStatus === "delivered") {
    await markDelivered(env, id, report.MessageSid);
  } else if (report.MessageStatus === "undelivered" || report.MessageStatus === "failed") {
    const code = Number(report.ErrorCode ?? "0");
    await markUndelivered(env, id, {
      error: `Twilio reported ${report.MessageStatus}${code ? ` (error ${code})` : ""}`,
      providerMessageId: report.MessageSid,
      suppressAs: TWILIO_INVALID.includes(code) ? "invalid" : TWILIO_OPTED_OUT.includes(code) ? "unsubscribe" : null,
    });
  }
}

/**
 * The message statuses of one WhatsApp webhook payload: `delivered`/`read` mark the delivery
 * delivered; `failed` marks it failed. Statuses of messages we do not know are ignored.
 */
export async function recordWhatsAppStatuses(env: Env, payload: unknown): Promise<void> {
  for (const st of whatsappStatuses(payload)) {
    const row = await deliveryByProviderId(env, "whatsapp", st.id);
    if (!row) continue;
    if (st.status === "delivered" || st.status === "read") {
      await markDelivered(env, row.id, st.id);
    } else if (st.status === "failed") {
      await markUndelivered(env, row.id, {
        error: `WhatsApp reported failed${st.errorCode ? ` (error ${st.errorCode})` : ""}`,
        providerMessageId: st.id,
        suppressAs: st.errorCode === WHATSAPP_NOT_ON_WHATSAPP ? "invalid" : null,
      });
    }
  }
}

/** The delivery a provider's message id belongs to, on one channel. */
export async function deliveryByProviderId(env: Env, channel: string, providerMessageId: string) {
  const [row] = await db(env.DB)
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.providerMessageId, providerMessageId),
        eq(notifications.channel, channel),
        // An ownership code's row is `delivered` when the code is entered, not on a provider report.
        ne(notifications.event, VERIFICATION_EVENT),
      ),
    )
    .limit(1);
  return row ?? null;
}
