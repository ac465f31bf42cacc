/**
 * Forwarding a copy of inbound mail to staff mailboxes with Email Routing's
 * `message.forward()`. Each matching rule of the message's route forwards once per message
 * (the handler calls this after the duplicate check, so a redelivery forwards nothing), and
 * every attempt is logged (`mail_forwards`), failures with their error: `forward()` throws for a
 * destination that is not a verified Email Routing destination of the zone, which no local
 * check can know. A failed forward loses nothing: the message goes on as if the rule had not
 * matched, and only when every rule that was to stop processing failed is it refused, so its
 * sender's server tells them to try again instead of the mail vanishing.
 */
import { db } from "../../db/client";
import type { MailForwardRuleRow } from "../../db/schema";
import { forwardCount } from "../analytics/count";
import type { Received } from "../received";
import { type ForwardInput, matchesRule } from "./match";
import { logForward } from "./repo";
import type { Route } from "./resolve";

/** Most rules one message is forwarded by (each is one `forward()` call and one log row). */
export const MAX_FORWARDS = 5;

/** What forwarding did: whether processing stops, and whether a stop rule failed every time. */
export interface ForwardResult {
  forwarded: string[];
  stop: boolean;
  stopFailed: boolean;
}

/** Forwards the message by every matching rule of `route`, logging each attempt. */
export async function applyForwards(
  ctx: Received,
  route: Route,
  rules: readonly MailForwardRuleRow[],
  input: Omit<ForwardInput, "address" | "recipient">,
): Promise<ForwardResult> {
  const recipient = ctx.message.to.toLowerCase();
  const matching = rules
    .filter((rule) => matchesRule(rule, { ...input, address: route.address, recipient }))
    .slice(0, MAX_FORWARDS);
  const result: ForwardResult = { forwarded: [], stop: false, stopFailed: false };
  let stopTried = false;
  const d = db(ctx.env.DB);
  for (const rule of matching) {
    let error: string | null = null;
    try {
      // Only X- headers may be added; the rule's id lets the mailbox's own filters tell copies apart.
      await ctx.message.forward(rule.destination, new Headers({ "X-StateX-Forward-Rule": rule.id }));
      result.forwarded.push(rule.destination);
    } catch (e) {
      error = (e instanceof Error ? e.message : String(e)).slice(0, 300);
      ctx.log.warn("inbound email forward failed", { ruleId: rule.id, destination: rule.destination, error });
    }
    // Counted once per message (mail analytics): with the log entry of its first copy.
    const first = !error && result.forwarded.length === 1;
    await logForward(
      d,
      {
        inboundId: ctx.id,
        ruleId: rule.id,
        routeId: route.id,
        destination: rule.destination,
        sender: input.sender,
        recipient,
        subject: input.subject.slice(0, 300),
        outcome: error ? "failed" : "forwarded",
        error,
        createdAt: ctx.now,
      },
      first ? forwardCount(d, ctx) : undefined,
    );
    if (rule.stop) {
      stopTried = true;
      if (!error) result.stop = true;
    }
  }
  result.stopFailed = stopTried && !result.stop;
  return result;
}
