import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createLogger } from "../shared/log";
import { sweepInbound } from "../shared/mail/cleanup";
import { SENT_EMAIL_DAYS, sentTo } from "../shared/mail/sent-log";
import { notifyEvent } from "../shared/notifications/deliver";
import { suppress } from "../shared/notifications/suppression";
import { deleteAccount } from "../workers/account/delete";
import { apiKeyFor, notificationRows, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";
import { deliverMail, plainMail } from "./helpers/mail";

const INBOX = "requests@statex.localhost";
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.net`;
const log = createLogger({ correlationId: "forged-bounce-test" });

/**
 * A delivery status notification (RFC 3464) as a mail server writes it: the report for
 * `recipient`, and the original message — only its headers, or the whole of it.
 */
function dsn(m: { recipient: string; original: string; whole?: boolean; status?: string; messageId?: string }): string {
  const boundary = `DSN-${crypto.randomUUID()}`;
  return [
    `Message-ID: <${m.messageId ?? `dsn-${crypto.randomUUID()}@mx.example.net`}>`,
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
    `To: ${INBOX}`,
    "Subject: Undelivered Mail Returned to Sender",
    "Auto-Submitted: auto-replied",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    `<${m.recipient}>: host mx.example.net said: 550 5.1.1 User unknown`,
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.net",
    "",
    `Final-Recipient: rfc822; ${m.recipient}`,
    "Action: failed",
    `Status: ${m.status ?? "5.1.1"}`,
    "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
    "",
    `--${boundary}`,
    m.whole ? "Content-Type: message/rfc822" : "Content-Type: text/rfc822-headers",
    "",
    m.whole ? m.original.trim() : headerBlock(m.original),
    "",
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/** An abuse report (RFC 5965 ARF) about `recipient`, quoting the original's headers. */
function arf(m: { recipient: string; original: string }): string {
  const boundary = `ARF-${crypto.randomUUID()}`;
  return [
    `Message-ID: <arf-${crypto.randomUUID()}@fbl.example.net>`,
    "From: Feedback Loop <fbl@example.net>",
    `To: ${INBOX}`,
    "Subject: Abuse report",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain",
    "",
    "This is an email abuse report.",
    "",
    `--${boundary}`,
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    "Version: 1",
    `Original-Rcpt-To: <${m.recipient}>`,
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    headerBlock(m.original),
    "",
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

const headerBlock = (raw: string) => raw.split(/\r?\n\r?\n/, 1)[0] ?? "";

/** Headers of a message we never sent, made up by a forger who knows the victim's address. */
const forgedOriginal = (to: string) =>
  [
    "From: StateX <results@statex.localhost>",
    `To: ${to}`,
    "Subject: Your StateX result is ready",
    `Message-ID: <sub_01JF000000000000000000DEM0.submission.completed.email@statex.localhost>`,
    "",
    "",
  ].join("\r\n");

async function suppression(address: string) {
  return env.DB.prepare("SELECT reason, source FROM suppressions WHERE channel = 'email' AND address = ?")
    .bind(address)
    .first<{ reason: string; source: string }>();
}

async function inboundRow(messageId: string) {
  return env.DB.prepare("SELECT id, status, reason FROM inbound_emails WHERE message_id = ?")
    .bind(messageId)
    .first<{ id: string; status: string; reason: string }>();
}

/** Runs a request for `email`'s account to completion; the raw result mail we sent them. */
async function resultMailTo(email: string) {
  const res = await postSubmission({ email, text: "Summarise: the lease renews in March." });
  expect(res.status).toBe(202);
  const { id } = await res.json<{ id: string }>();
  await waitForStatus(id, ["completed"]);
  const rows = await notificationRows(id);
  const row = rows.find((r) => r.channel === "email" && r.event === "submission.completed");
  return { id, row, sent: row?.provider_message_id ? await readSentEmail(row.provider_message_id) : null };
}

describe("bounces and complaints are trusted only when they answer a message we sent", () => {
  it("a forged delivery report naming a user who received nothing suppresses nothing; the user still gets results", async () => {
    const victim = unique("victim");
    await apiKeyFor(victim);
    const messageId = `dsn-forged-${crypto.randomUUID()}@mx.example.net`;
    const delivery = await deliverMail(dsn({ recipient: victim, original: forgedOriginal(victim), messageId }), {
      from: "",
      to: INBOX,
    });
    expect(delivery).toEqual({ rejected: null, replies: [], threw: null });
    expect(await suppression(victim)).toBeNull();
    const row = await inboundRow(messageId);
    expect(row?.status).toBe("ignored");
    expect(row?.reason).toMatch(/answers no message we sent/);

    const { row: result } = await resultMailTo(victim);
    expect(result?.status).toBe("sent");
  });

  it("a forged report quoting a real Message-ID of someone else's mail does not suppress the named address", async () => {
    const real = unique("real");
    const victim = unique("other-victim");
    const { sent } = await resultMailTo(real);
    expect(sent).not.toBeNull();
    // The forger saw a Message-ID (their own mail, say) and names the victim as its recipient.
    await deliverMail(dsn({ recipient: victim, original: sent?.raw ?? "" }), { from: "", to: INBOX });
    expect(await suppression(victim)).toBeNull();
    expect(await suppression(real)).toBeNull();
  });

  it("a forged complaint (ARF) naming an address we never wrote to suppresses nothing", async () => {
    const victim = unique("complained");
    await deliverMail(arf({ recipient: victim, original: forgedOriginal(victim) }), {
      from: "fbl@example.net",
      to: INBOX,
    });
    expect(await suppression(victim)).toBeNull();
  });

  it("a genuine delivery report answering a result we sent suppresses that address, with its audit trail", async () => {
    const gone = unique("gone");
    const { sent } = await resultMailTo(gone);
    const messageId = `dsn-genuine-${crypto.randomUUID()}@mx.example.net`;
    const delivery = await deliverMail(dsn({ recipient: gone, original: sent?.raw ?? "", messageId }), {
      from: "",
      to: INBOX,
    });
    expect(delivery).toEqual({ rejected: null, replies: [], threw: null });
    const row = await inboundRow(messageId);
    expect(row?.status).toBe("bounce");
    const entry = await suppression(gone);
    expect(entry?.reason).toBe("hard_bounce");
    // Who did it: the inbound report (whose row says which of our messages it answered).
    expect(entry?.source).toBe(`bounce:${row?.id}`);
    expect(row?.reason).toContain(gone);
    // And nothing more reaches the address.
    const { row: next } = await resultMailTo(gone);
    expect(next?.status).toBe("suppressed");
  });

  it("a genuine report that returns the whole original message is trusted the same", async () => {
    const gone = unique("gone-whole");
    const { sent } = await resultMailTo(gone);
    await deliverMail(dsn({ recipient: gone, original: sent?.raw ?? "", whole: true }), { from: "", to: INBOX });
    expect((await suppression(gone))?.reason).toBe("hard_bounce");
  });

  it("a genuine complaint about a result we sent suppresses that address as a complaint", async () => {
    const annoyed = unique("annoyed");
    const { sent } = await resultMailTo(annoyed);
    await deliverMail(arf({ recipient: annoyed, original: sent?.raw ?? "" }), { from: "fbl@example.net", to: INBOX });
    expect((await suppression(annoyed))?.reason).toBe("complaint");
  });

  it("a genuine bounce of an acknowledgement (sent with message.reply) is trusted", async () => {
    const nobody = unique("nobody");
    const first = await deliverMail(plainMail({ from: nobody, text: "Summarise this." }), { from: nobody, to: INBOX });
    expect(first.replies).toHaveLength(1);
    await deliverMail(dsn({ recipient: nobody, original: first.replies[0] ?? "" }), { from: "", to: INBOX });
    expect((await suppression(nobody))?.reason).toBe("hard_bounce");
  });

  it("a crafted report with thousands of recipients and quoted ids is judged on the first five of each", async () => {
    const target = unique("buried");
    const { sent } = await resultMailTo(target);
    const padding = Array.from({ length: 2000 }, (_, i) => `fake${i}@example.org`);
    const boundary = `DSN-${crypto.randomUUID()}`;
    const messageId = `dsn-flood-${crypto.randomUUID()}@mx.example.net`;
    const raw = [
      `Message-ID: <${messageId}>`,
      "From: MAILER-DAEMON@mx.example.net",
      `To: ${INBOX}`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.example.net",
      "",
      ...[...padding, target].flatMap((r) => [`Final-Recipient: rfc822; ${r}`, "Action: failed", "Status: 5.1.1", ""]),
      `--${boundary}`,
      "Content-Type: text/rfc822-headers",
      "",
      ...padding.map((_, i) => `Message-ID: <made-up-${i}@statex.localhost>`),
      `Message-ID: <${sent?.email.messageId?.replace(/[<>]/g, "")}>`,
      "",
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const delivery = await deliverMail(raw, { from: "", to: INBOX });
    expect(delivery).toEqual({ rejected: null, replies: [], threw: null });
    expect(await suppression(target)).toBeNull();
    const row = await inboundRow(messageId);
    expect(row?.status).toBe("ignored");
    expect(row?.reason.match(/answers no message/g)).toHaveLength(5);
  });

  it("a genuine but temporary failure (4.x.x) is recorded and suppresses nothing", async () => {
    const slow = unique("slow");
    const { sent } = await resultMailTo(slow);
    await deliverMail(dsn({ recipient: slow, original: sent?.raw ?? "", status: "4.4.1" }), { from: "", to: INBOX });
    expect(await suppression(slow)).toBeNull();
  });
});

describe("the log of what we sent", () => {
  const sentRows = async (address: string) =>
    (
      await env.DB.prepare("SELECT count(*) AS n FROM sent_emails WHERE recipient = ?")
        .bind(address)
        .first<{ n: number }>()
    )?.n;

  it("forgets after 30 days: a report about older mail is no longer trusted", async () => {
    const old = unique("old-mail");
    const { sent } = await resultMailTo(old);
    expect(await sentRows(old)).toBe(1);
    const later = Date.now() + (SENT_EMAIL_DAYS + 1) * 86_400_000;
    expect(await sentTo(env, [sent?.email.messageId ?? ""], old, later)).toBeNull();
    const swept = await sweepInbound(env, later);
    expect(swept.sentRemoved).toBeGreaterThanOrEqual(1);
    expect(await sentRows(old)).toBe(0);
  });

  it("goes with the account of its recipient", async () => {
    const leaver = unique("leaver");
    await resultMailTo(leaver);
    expect(await sentRows(leaver)).toBe(1);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(leaver).first<{ id: string }>();
    await deleteAccount(env, user?.id ?? "", log);
    expect(await sentRows(leaver)).toBe(0);
  });
});

describe("security notices reach an address suppressed by a bounce or complaint", () => {
  async function userWith(email: string) {
    await apiKeyFor(email);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    return user?.id ?? "";
  }

  for (const reason of ["hard_bounce", "complaint"] as const) {
    it(`a password-change notice goes out to an address suppressed as ${reason}`, async () => {
      const email = unique(`notice-${reason}`);
      const userId = await userWith(email);
      await suppress(env, { channel: "email", address: email, reason, source: "bounce:in_forged" });
      const out = await notifyEvent(env, {
        event: "account.password_changed",
        subject: { kind: "account", userId, subjectId: `evt_${crypto.randomUUID().slice(0, 8)}` },
        correlationId: "notice-test",
        log,
        inlineEmail: true,
      });
      expect(out.find((o) => o.channel === "email")?.status).toBe("sent");
    });
  }

  it("a new-API-key notice goes out to a bounced address, but results do not", async () => {
    const email = unique("notice-key");
    const userId = await userWith(email);
    await suppress(env, { channel: "email", address: email, reason: "hard_bounce", source: "bounce:in_x" });
    const out = await notifyEvent(env, {
      event: "account.api_key_created",
      subject: { kind: "account", userId, subjectId: `key_${crypto.randomUUID().slice(0, 8)}` },
      correlationId: "notice-test",
      log,
      inlineEmail: true,
    });
    expect(out.find((o) => o.channel === "email")?.status).toBe("sent");
    const { row } = await resultMailTo(email);
    expect(row?.status).toBe("suppressed");
  });

  it("an admin's manual suppression holds even for security notices", async () => {
    const email = unique("notice-manual");
    const userId = await userWith(email);
    await suppress(env, { channel: "email", address: email, reason: "manual", source: "admin:usr_x" });
    const out = await notifyEvent(env, {
      event: "account.password_changed",
      subject: { kind: "account", userId, subjectId: `evt_${crypto.randomUUID().slice(0, 8)}` },
      correlationId: "notice-test",
      log,
      inlineEmail: true,
    });
    expect(out.find((o) => o.channel === "email")?.status).toBe("suppressed");
  });
});
