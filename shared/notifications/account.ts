/**
 * Account events (password changed, API key created) into the notification queue: the
 * auth code's one call to tell a user about a security-relevant change on their channels.
 */
import { ulid } from "../ids";
import type { Logger } from "../log";
import type { AccountNotifyMessage } from "../messages";

/**
 * Queues a security notice about an account (password changed, API key created) for the
 * user's channels. `subjectId` identifies this occurrence (the API key id; a fresh id for a
 * password change), so a redelivered message notifies once. A failed enqueue is logged: the
 * action the person took stands either way.
 */
export async function notifyAccount(
  env: Env,
  args: {
    event: AccountNotifyMessage["event"];
    userId: string;
    subjectId?: string;
    correlationId: string;
    log: Logger;
  },
): Promise<void> {
  const message: AccountNotifyMessage = {
    kind: "notify.account",
    event: args.event,
    userId: args.userId,
    subjectId: (args.subjectId ?? `evt_${ulid()}`).replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80),
    correlationId: args.correlationId,
  };
  try {
    await env.NOTIFICATIONS.send(message);
  } catch (error) {
    args.log.error("could not queue account notice", { event: args.event, error });
  }
}
