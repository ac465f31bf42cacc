/**
 * The account mails the portal sends (address confirmation, magic sign-in link, password
 * reset, "you already have an account", a staff invitation), composed as action mails and sent through the
 * configured email provider.
 */
import { ulid } from "../../shared/ids";
import type { Logger } from "../../shared/log";
import { sendEmail } from "../../shared/notifications/channels";
import { actionMail, parseMailbox } from "../../shared/notifications/compose";
import { TOKEN_TTL_MS } from "../auth/mailbox";

export type AccountMailKind = "verify" | "magic" | "reset" | "already-registered" | "staff-invite";

const FOOTER =
  "You received this because someone entered your address at StateX. If it was not you, ignore this message.";

function content(kind: AccountMailKind, link: string) {
  const hours = (ms: number) => Math.round(ms / 3600_000);
  switch (kind) {
    case "verify":
      return actionMail({
        subject: "Confirm your email address for StateX",
        paragraphs: [
          "Welcome to StateX. Confirm your address to finish creating your account.",
          `The link works once, for ${hours(TOKEN_TTL_MS["verify-email"])} hours.`,
        ],
        link,
        linkText: "Confirm my address",
        footer: FOOTER,
      });
    case "magic":
      return actionMail({
        subject: "Your StateX sign-in link",
        paragraphs: [
          "Use this link to sign in to StateX without a password.",
          `It works once, for ${Math.round(TOKEN_TTL_MS["magic-link"] / 60_000)} minutes.`,
        ],
        link,
        linkText: "Sign in to StateX",
        footer: FOOTER,
      });
    case "reset":
      return actionMail({
        subject: "Reset your StateX password",
        paragraphs: [
          "Someone asked to reset the password of your StateX account. If it was you, choose a new one.",
          `The link works once, for ${hours(TOKEN_TTL_MS["password-reset"])} hour. When the password changes, every signed-in session ends and every API key is revoked.`,
        ],
        link,
        linkText: "Choose a new password",
        footer: FOOTER,
      });
    case "staff-invite":
      return actionMail({
        subject: "You are invited to answer requests at StateX",
        paragraphs: [
          "An administrator of StateX invited you to join its staff: you will see every customer request, review the drafts and answer them.",
          `Accept with this link; it works once, for ${Math.round(TOKEN_TTL_MS["staff-invite"] / 86_400_000)} days.`,
        ],
        link,
        linkText: "Accept the invitation",
        footer:
          "You received this because an administrator of StateX entered your address. If you did not expect it, ignore this message.",
      });
    case "already-registered":
      return actionMail({
        subject: "You already have a StateX account",
        paragraphs: [
          "Someone tried to create a StateX account with your address, which already has one.",
          "If it was you, sign in — or reset your password if you forgot it.",
        ],
        link,
        linkText: "Sign in",
        footer: FOOTER,
      });
  }
}

/** Sends an account mail (verification, magic link, reset) through the configured email provider. */
export async function sendAccountMail(
  env: Env,
  to: string,
  kind: AccountMailKind,
  link: string,
  log: Logger,
): Promise<string> {
  const from = parseMailbox(env.MAIL_FROM);
  const { providerMessageId } = await sendEmail(env, {
    from,
    to,
    messageId: `account.${kind}.${ulid()}@${from.addr.split("@")[1] ?? "statex.localhost"}`,
    ...content(kind, link),
  });
  log.info("account mail sent", { kind, providerMessageId });
  return providerMessageId ?? "";
}
