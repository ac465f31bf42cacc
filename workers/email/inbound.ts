import { createLogger } from "../../shared/log";

/**
 * Inbound mail. Requests by email need sender verification and threading before they may
 * start jobs (a forged sender must not spend anyone's quota), so until that lands every
 * message is rejected with a human reason, which the sending server returns as a bounce.
 */
export async function handleInboundEmail(message: ForwardableEmailMessage): Promise<void> {
  createLogger({ correlationId: crypto.randomUUID(), component: "email" }).info("inbound email rejected", {
    to: message.to,
    rawSize: message.rawSize,
  });
  message.setReject("StateX does not take requests by email yet. Please use https://statex.example or the API.");
}
