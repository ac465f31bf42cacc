/**
 * Acknowledgements: the answers to senders not yet confirmed, and their platform-wide hourly
 * cap. An acknowledgement is mail to an address anyone can forge, so how many we send is
 * bounded (`INBOUND_ACKS_PER_HOUR`), and each has one layout: a few paragraphs and one link.
 */
import { gte, sql } from "drizzle-orm";
import { db } from "../db/client";
import { inboundEmails } from "../db/schema";
import { actionMail } from "../notifications/compose";
import { inboundLimits } from "./limits";
import { type Incoming, type Received, type Refusal, record, refuse } from "./received";

const HOUR_MS = 3600_000;

/**
 * Whether the platform-wide hourly cap of acknowledgements to unconfirmed senders is reached;
 * if so the message is refused (recorded, with the reason, never answered). Refused, not kept
 * silently: the sender's own server returns it to them with our reason, so a real sender loses
 * nothing and knows to try again, and a forged one costs us no mail. Counted in D1 (the
 * `acked_at` index, at most the cap's rows read): the count is the log of what was sent, needs
 * no other service, and concurrent deliveries can overshoot only by how many run at once.
 */
export async function overAckCap(ctx: Received, incoming: Incoming): Promise<Refusal | null> {
  const cap = inboundLimits(ctx.env).acksPerHour;
  const [{ acked } = { acked: 0 }] = await db(ctx.env.DB)
    .select({ acked: sql<number>`count(*)` })
    .from(inboundEmails)
    .where(gte(inboundEmails.ackedAt, ctx.now - HOUR_MS));
  if (acked < cap) return null;
  await record(ctx, incoming, { status: "rejected", reason: `unconfirmed acknowledgement cap (${cap}/h) reached` });
  return refuse(
    ctx,
    "acknowledgement cap",
    `StateX is receiving unusually many new requests by email right now. Please try again in an hour, or use the portal (${ctx.env.PUBLIC_BASE_URL}/app/requests/new).`,
  );
}

/** Text and HTML of a short answer with one call-to-action link (the account mails' layout). */
export function actionBody(paragraphs: string[], link: string, linkText: string, note: string) {
  const { text, html } = actionMail({ subject: "StateX", paragraphs, link, linkText, footer: note });
  return { text, html };
}
