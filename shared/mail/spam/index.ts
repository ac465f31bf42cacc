/**
 * The spam scorer as receive.ts calls it for a new conversation: the message's own rules
 * (`content.ts`, `auth.ts`), its sender's history from D1 (`history.ts`), the threshold and
 * extra phrases from configuration (`SPAM_THRESHOLD`, `SPAM_PHRASES`).
 */
import type { ParsedMail } from "../parse";
import { senderHistory } from "./history";
import { type SpamVerdict, scoreMail, spamThreshold } from "./score";

/** Scores a new message from `sender` (lower-cased address). */
export async function scoreIncoming(env: Env, mail: ParsedMail, sender: string): Promise<SpamVerdict> {
  return scoreMail(mail, {
    threshold: spamThreshold(env),
    history: await senderHistory(env, sender),
    phrases: env.SPAM_PHRASES,
  });
}
