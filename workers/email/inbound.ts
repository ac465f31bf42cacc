/**
 * The `email()` handler behind Email Routing: the adapter between a delivered message and the
 * mail domain (`shared/mail/receive.ts`), which decides, records and answers it. The handler
 * gives the message its trace, passes on a refusal the domain returns (`setReject`, which makes
 * the sender's server return the message with our reason), and turns any error into such a
 * refusal with a reference: nothing throws out of here.
 */
import { createLogger } from "../../shared/log";
import { newInboundId } from "../../shared/mail/address";
import { receiveMail } from "../../shared/mail/receive";
import { newTraceId } from "../../shared/trace";

/** Handles one message delivered by Email Routing. */
export async function handleInboundEmail(message: ForwardableEmailMessage, env: Env): Promise<void> {
  const correlationId = newTraceId();
  const log = createLogger({ correlationId, component: "email" });
  try {
    const refusal = await receiveMail({ env, message, log, correlationId, id: newInboundId(), now: Date.now() });
    if (refusal) message.setReject(refusal.refuse);
  } catch (error) {
    log.error("inbound email failed", { error, to: message.to });
    message.setReject(
      `StateX could not process this message because of an error on our side (reference ${correlationId}). Please try again later.`,
    );
  }
}
