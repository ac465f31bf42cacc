/**
 * Routing's two steps in the email handler's decision (`receive.ts`), kept here so the handler
 * reads as its list of steps: `routeMessage` first of all — an address nobody configured, or a
 * route switched off, is refused (recorded, never acknowledged) before the message is read —
 * and `forwardCopies` once the message is known not to be a duplicate nor a report about our
 * own mail: the route's forwarding rules run, and a rule that stops processing ends it there.
 */

import { UNKNOWN_ADDRESS } from "../../db/schema";
import { parseMailbox } from "../../notifications/compose";
import { inboundAddress, type Recipient, readRecipient } from "../address";
import type { ParsedMail } from "../parse";
import { type Received, type Refusal, record, refuse } from "../received";
import { applyForwards } from "./forward";
import { type RouteDecision, resolveRoute } from "./resolve";

/**
 * The configured address a message is counted under (mail analytics): its route's address
 * (a catch-all's `*@domain`, an address without the `+tag` it carried), the address switched
 * off, our return path, or `(unknown)` — never what the sender wrote, so mail to any number of
 * made-up addresses is counted on one row. Replies to our signed addresses count under the
 * inbound address they are plus-addresses of.
 */
export function statAddress(env: Env, routed: RouteDecision | null): string {
  if (!routed) return inboundAddress(env).address;
  switch (routed.kind) {
    case "route":
      return routed.route.address;
    case "off":
      return routed.address;
    case "return-path":
      return parseMailbox(env.MAIL_FROM).addr.toLowerCase();
    case "unknown":
      return UNKNOWN_ADDRESS;
  }
}

/**
 * The route of the message and the address it is counted under, or its refusal. Signed
 * thread and request addresses belong to a conversation, not a route (`routed: null`): they
 * work whatever the routes say.
 */
export async function routeMessage(
  ctx: Received,
): Promise<{ refusal: Refusal } | { routed: RouteDecision | null; recipient: Recipient; address: string }> {
  const { env, message } = ctx;
  const recipient = await readRecipient(env, message.to, ctx.now);
  if (recipient.kind === "thread" || recipient.kind === "request") {
    return { routed: null, recipient, address: statAddress(env, null) };
  }
  const routed = await resolveRoute(env, message.to);
  if (routed.kind !== "unknown" && routed.kind !== "off")
    return { routed, recipient, address: statAddress(env, routed) };
  const to = message.to.toLowerCase();
  const reason = routed.kind === "off" ? "address switched off" : "unknown recipient";
  // Unread, so keyed by delivery: each refusal is counted, and a resent message is judged again.
  await record(
    { ...ctx, address: statAddress(env, routed) },
    { dedupeKey: `refused:${ctx.id}`, mail: null, sender: message.from.toLowerCase() },
    { status: "rejected", reason },
  );
  const fallback = inboundAddress(env).address;
  const elsewhere = fallback === to ? `the portal (${env.PUBLIC_BASE_URL}/app/requests/new)` : `${fallback}`;
  return {
    refusal: refuse(
      ctx,
      reason,
      routed.kind === "off"
        ? `The mailbox ${to} at StateX does not take mail at the moment. Please send your request to ${elsewhere}.`
        : `There is no mailbox ${message.to} at StateX. Send requests to ${fallback}.`,
    ),
  };
}

/**
 * Forwards copies by the route's rules. `"stop"`: a rule that stops processing forwarded it
 * (recorded as taken in, nothing else happens); a refusal when every such rule failed;
 * `"go on"` otherwise.
 */
export async function forwardCopies(
  ctx: Received,
  routed: RouteDecision | null,
  fields: { dedupeKey: string; mail: ParsedMail; sender: string },
  spam: { verdict?: "spam" | "ham" } = {},
): Promise<Refusal | "stop" | "go on"> {
  if (routed?.kind !== "route" || routed.rules.length === 0) return "go on";
  const result = await applyForwards(ctx, routed.route, routed.rules, {
    sender: fields.sender,
    subject: fields.mail.subject,
    ...spam,
  });
  if (result.stop) {
    await record(ctx, fields, { status: "ignored", reason: `forwarded only (to ${result.forwarded.join(", ")})` });
    ctx.log.info("inbound email forwarded, processing stopped", { to: result.forwarded });
    return "stop";
  }
  if (result.stopFailed) {
    await record(ctx, fields, { status: "rejected", reason: "forward failed" });
    return refuse(
      ctx,
      "forward failed",
      `StateX could not deliver this message to its mailbox right now (reference ${ctx.correlationId}). Please try again later.`,
    );
  }
  return "go on";
}
