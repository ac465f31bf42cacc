/**
 * Bounces and complaints about mail we sent. Anyone can write a delivery report naming any
 * address, so a report counts only for a recipient we really sent the quoted original to
 * (`sent-log.ts`); a hard failure or a complaint then stops all further mail to that address,
 * with the report as the suppression's source. A report that answers none of our messages is
 * recorded as ignored, with why, and changes nothing. Reports are never answered.
 */
import { db } from "../db/client";
import { suppress } from "../notifications/suppression";
import { reportCount } from "./analytics/count";
import type { ParsedMail } from "./parse";
import type { MailKind } from "./policy";
import { type Received, record } from "./received";
import { sentTo } from "./sent-log";

/** Recipients of one report checked at most: we send each message to one address. */
const MAX_REPORTED_RECIPIENTS = 5;

/** Records a bounce or complaint and suppresses the addresses it proves undeliverable. */
export async function handleReport(
  ctx: Received,
  fields: { dedupeKey: string; mail: ParsedMail; sender: string },
  report: Extract<MailKind, { kind: "bounce" | "complaint" }>,
  quoted: string[],
): Promise<void> {
  const verdicts: {
    address: string;
    severity: "hard" | "soft";
    status: string;
    answers: string | null;
    sentAt: number | null;
  }[] = [];
  for (const r of report.recipients.slice(0, MAX_REPORTED_RECIPIENTS)) {
    const sent = await sentTo(ctx.env, quoted, r.address, ctx.now);
    verdicts.push({ ...r, answers: sent?.messageId ?? null, sentAt: sent?.sentAt ?? null });
  }
  const trusted = verdicts.filter((v) => v.answers !== null);
  const detail = verdicts
    .map((v) =>
      v.answers
        ? `${v.address} ${v.severity === "hard" ? "suppressed" : "not suppressed"} (${v.status}), answering <${v.answers}>`
        : `answers no message we sent to ${v.address}`,
    )
    .join("; ");
  const reason = `${report.reason}: ${detail || "names no recipient"}`.slice(0, 1000);
  const inserted = await record(ctx, fields, { status: trusted.length > 0 ? "bounce" : "ignored", reason });
  if (!inserted) return; // the same report arrived twice at once; the other delivery acts on it
  // Mail analytics: each trusted recipient, on the day we sent the mail reported about.
  const d = db(ctx.env.DB);
  const [first, ...rest] = trusted.map((v) =>
    reportCount(d, report.kind === "complaint" ? "complained" : "bounced", v.sentAt ?? ctx.now),
  );
  if (first) await d.batch([first, ...rest]);
  for (const v of trusted) {
    if (v.severity !== "hard") continue;
    const added = await suppress(ctx.env, {
      channel: "email",
      address: v.address,
      reason: report.kind === "complaint" ? "complaint" : "hard_bounce",
      source: `${report.kind}:${ctx.id}`,
    });
    ctx.log.warn("address bounced", { kind: report.kind, address: v.address, status: v.status, suppressed: added });
  }
  if (trusted.length < verdicts.length || verdicts.length === 0) {
    ctx.log.warn("unverified bounce or complaint ignored", { kind: report.kind, quoted: quoted.length });
  }
}
