import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { db } from "../db/client";
import { users } from "../db/schema";
import { ulid } from "../ids";
import type { Logger } from "../log";
import { sendEmail } from "./channels";
import { actionMail, parseMailbox } from "./compose";

/**
 * Tells every admin that a result waits for review: a link to the request on the staff desk
 * (where the draft is edited and sent, or discarded), and the signed one-click links when they
 * exist.
 * Returns how many admins were mailed.
 */
export async function mailReviewers(
  env: Env,
  submissionId: string,
  links: { approve: string; reject: string } | null,
  log: Logger,
): Promise<number> {
  const admins = await db(env.DB)
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt), isNotNull(users.emailVerifiedAt)));
  const from = parseMailbox(env.MAIL_FROM);
  const portal = `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/app/desk/${submissionId}`;
  const paragraphs = [
    `The result of request ${submissionId} waits for your review before it is delivered.`,
    "Open it on the desk to edit the draft and send it, or discard it and answer in your own words.",
    ...(links ? [`Or decide here at once — approve: ${links.approve}`, `Reject: ${links.reject}`] : []),
  ];
  for (const admin of admins) {
    const mail = actionMail({
      subject: `Review needed: StateX request ${submissionId}`,
      paragraphs,
      link: portal,
      linkText: "Review the result",
      footer: "You receive this because you are a StateX administrator.",
    });
    await sendEmail(env, {
      from,
      to: admin.email,
      messageId: `review.${submissionId}.${ulid()}@${from.addr.split("@")[1] ?? "statex.localhost"}`,
      ...mail,
    });
  }
  log.info("reviewers notified", { submissionId, admins: admins.length, signedLinks: links !== null });
  return admins.length;
}
