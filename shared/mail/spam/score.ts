/**
 * A message's spam score: the sum of the points of every rule that fires, with each rule's
 * reason, against a threshold (`SPAM_THRESHOLD`, default {@link DEFAULT_SPAM_THRESHOLD}). The
 * rules read the already-parsed message (shared/mail/parse.ts) cut to fixed scan limits
 * first, so scoring costs the same for a 20 MiB message as for one at the limits. No rule but
 * three scam phrases reaches the default threshold alone (the others give at most 4 points):
 * one odd thing a real customer may do (a short link, a note in German, a shouted subject, an
 * attached tool, a forwarded message that fails SPF) never quarantines them; two kinds of
 * evidence do.
 * Pure: the sender's history comes in as data (`history.ts` reads it from D1), so the
 * benchmark (`npm run eval:spam`) runs the very same function in Node.
 */
import type { ParsedMail } from "../parse";
import { type AuthMethod, messageAuthFailures } from "./auth";
import {
  allCaps,
  ipLink,
  languageMismatch,
  linkDensity,
  mismatchedLink,
  replyElsewhere,
  riskyAttachment,
  type SpamInput,
  type SpamReason,
  scamPhrase,
  shortener,
} from "./content";
import { readHtml, textLinks } from "./links";

export type { SpamReason } from "./content";

/** Points at which a message is quarantined, unless `SPAM_THRESHOLD` says otherwise. */
export const DEFAULT_SPAM_THRESHOLD = 5;

/** What the rules read of a message, at most: text, HTML, headers and attachments. */
export const SCAN_LIMITS = { textChars: 32 * 1024, htmlChars: 256 * 1024, headers: 200, attachments: 50 } as const;

/** What earlier mail from the sender became (`history.ts`). */
export interface SenderHistory {
  /** The address's earlier messages that expired unconfirmed. */
  addressExpired: number;
  /** Whether any earlier message from the address was confirmed or accepted. */
  addressConfirmed: boolean;
  /** Distinct addresses of the sender's domain whose messages expired unconfirmed. */
  domainExpiredSenders: number;
  /** Whether any message from the domain was ever confirmed or accepted. */
  domainConfirmed: boolean;
}

export const NO_HISTORY: SenderHistory = {
  addressExpired: 0,
  addressConfirmed: false,
  domainExpiredSenders: 0,
  domainConfirmed: false,
};

export interface SpamVerdict {
  score: number;
  reasons: SpamReason[];
  threshold: number;
  spam: boolean;
}

/** Points for authentication failures, at most {@link AUTH_MAX}: failed auth alone never quarantines. */
const AUTH_POINTS: Record<AuthMethod, { fail: number; softfail: number }> = {
  spf: { fail: 2, softfail: 1 },
  dkim: { fail: 2, softfail: 1 },
  dmarc: { fail: 3, softfail: 1 },
};
const AUTH_MAX = 4;
/** Points for a sender whose earlier mail was never confirmed, at most {@link HISTORY_MAX}. */
const HISTORY_POINTS = { address: 2, addressRepeat: 3, domain: 2 } as const;
const HISTORY_MAX = 4;
/** Distinct unconfirmed senders before a domain counts against its next sender. */
export const DOMAIN_EXPIRED_SENDERS = 3;

/** The threshold in force: `SPAM_THRESHOLD` when it is a positive number, else the default. */
export function spamThreshold(env: Pick<Env, "SPAM_THRESHOLD">): number {
  const n = Number(env.SPAM_THRESHOLD);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_SPAM_THRESHOLD;
}

/** The parsed message cut to {@link SCAN_LIMITS}: everything the rules read. */
export function spamInput(mail: ParsedMail): SpamInput {
  const plain = mail.fullText.slice(0, SCAN_LIMITS.textChars);
  const html = (mail.email.html ?? "").slice(0, SCAN_LIMITS.htmlChars);
  const read = html ? readHtml(html, SCAN_LIMITS.textChars) : null;
  // What a reader may see: the text part, and the HTML's text when it says something else.
  const seen = read && plain.replace(/\s+/g, " ").includes(read.text.slice(0, 200));
  const text = read && !seen ? `${plain}\n${read.text}`.slice(0, SCAN_LIMITS.textChars * 2) : plain;
  const replyTo = mail.email.replyTo?.[0];
  return {
    subject: mail.subject,
    text,
    html,
    links: read ? read.links : textLinks(plain),
    from: mail.from,
    replyTo: replyTo && "address" in replyTo && replyTo.address ? replyTo.address.toLowerCase() : null,
    attachments: mail.attachments
      .slice(0, SCAN_LIMITS.attachments)
      .map((a) => ({ filename: a.filename.slice(0, 256), mimeType: a.mimeType.slice(0, 128) })),
    headers: mail.email.headers.slice(0, SCAN_LIMITS.headers),
  };
}

/** The authentication failures of a message as one reason. */
export function authReason(input: Pick<SpamInput, "headers">): SpamReason | null {
  const failures = messageAuthFailures(input.headers);
  if (failures.size === 0) return null;
  let points = 0;
  for (const [method, outcome] of failures) points += AUTH_POINTS[method][outcome];
  return {
    rule: "authentication",
    points: Math.min(points, AUTH_MAX),
    detail: [...failures].map(([m, o]) => `${m}=${o}`).join(", "),
  };
}

/** The sender's history as one reason: mail that was never confirmed. */
export function historyReason(history: SenderHistory): SpamReason | null {
  const parts: string[] = [];
  let points = 0;
  if (history.addressExpired > 0 && !history.addressConfirmed) {
    points += history.addressExpired >= 3 ? HISTORY_POINTS.addressRepeat : HISTORY_POINTS.address;
    parts.push(`${history.addressExpired} earlier messages from this address never confirmed`);
  }
  if (history.domainExpiredSenders >= DOMAIN_EXPIRED_SENDERS && !history.domainConfirmed) {
    points += HISTORY_POINTS.domain;
    parts.push(`${history.domainExpiredSenders} senders of this domain never confirmed, none ever did`);
  }
  return points ? { rule: "sender-history", points: Math.min(points, HISTORY_MAX), detail: parts.join("; ") } : null;
}

/** Scores a parsed message. `phrases` adds to the scam phrase list (`SPAM_PHRASES`). */
export function scoreMail(
  mail: ParsedMail,
  options: { threshold: number; history?: SenderHistory; phrases?: string },
): SpamVerdict {
  const input = spamInput(mail);
  const reasons = [
    authReason(input),
    linkDensity(input),
    shortener(input),
    mismatchedLink(input),
    ipLink(input),
    riskyAttachment(input),
    ...allCaps(input),
    scamPhrase(input, options.phrases),
    languageMismatch(input),
    replyElsewhere(input),
    historyReason(options.history ?? NO_HISTORY),
  ].filter((r): r is SpamReason => r !== null);
  const score = reasons.reduce((sum, r) => sum + r.points, 0);
  return { score, reasons, threshold: options.threshold, spam: score >= options.threshold };
}
