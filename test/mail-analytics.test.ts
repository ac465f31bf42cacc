import { env, exports } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { createLogger } from "../shared/log";
import { arrivalOf, BEFORE_DAY, dayOf } from "../shared/mail/analytics/count";
import { mailAnalytics, medianSql } from "../shared/mail/analytics/report";
import { sweepInbound } from "../shared/mail/cleanup";
import { claimConfirmation, releaseConfirmation } from "../shared/mail/confirm";
import { releaseQuarantined } from "../shared/mail/quarantine";
import { addForwardRule, createRoute } from "../shared/mail/routes/repo";
import { routesToUs } from "../shared/mail/routes/resolve";
import { apiKeyFor, BASE } from "./helpers/api";
import { deliverMail, fillAckCap, plainMail } from "./helpers/mail";
import { ROUTE, uniqueDomain } from "./helpers/routes";
import { signedInAs } from "./helpers/session";

const INBOX = "requests@statex.localhost";
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
const log = createLogger({ correlationId: "mail-analytics-test" });
const SPAM_TEXT =
  "Dear friend, you have won EUR 950,000. To claim your prize pay the processing fee by Western Union today.";

/** A counter summed over every day (each test's addresses are its own; shared ones are compared before/after). */
async function stat(address: string, event: string, reason = ""): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT COALESCE(SUM(n), 0) AS n FROM mail_stats WHERE address = ? AND event = ? AND reason = ?",
  )
    .bind(address, event, reason)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every counter of `address`, as `event/reason` → n. */
async function statsOf(address: string): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT event, reason, SUM(n) AS n FROM mail_stats WHERE address = ? GROUP BY event, reason",
  )
    .bind(address)
    .all<{ event: string; reason: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.reason ? `${r.event}/${r.reason}` : r.event, r.n]));
}

/** A route at a domain of its own; returns its address. */
async function route(name: string, overrides: Partial<typeof ROUTE> = {}, plusTags = true) {
  const address = `${name}@${uniqueDomain(name)}`;
  const created = await createRoute(db(env.DB), { ...ROUTE, ...overrides }, { address, plusTags });
  return { address, routeId: created.route.id };
}

async function confirmFrom(reply: string | undefined) {
  const ack = await PostalMime.parse(reply ?? "");
  const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(ack.text ?? "")?.[1];
  expect(path, "the acknowledgement carries a confirmation link").toBeTruthy();
  return exports.default.fetch(`${BASE}${path}`, { method: "POST" });
}

/** A delivery status notification (RFC 3464) for `recipient`, quoting the headers of `original`. */
function dsn(recipient: string, original: string): string {
  const boundary = `DSN-${crypto.randomUUID()}`;
  return [
    `Message-ID: <dsn-${crypto.randomUUID()}@mx.example.net>`,
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
    `To: ${INBOX}`,
    "Subject: Undelivered Mail Returned to Sender",
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.net",
    "",
    `Final-Recipient: rfc822; ${recipient}`,
    "Action: failed",
    "Status: 5.1.1",
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    original.split(/\r?\n\r?\n/, 1)[0] ?? "",
    "",
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

/** An abuse report (RFC 5965) about `recipient`, quoting the headers of `original`. */
function arf(recipient: string, original: string): string {
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
    "Content-Type: message/feedback-report",
    "",
    "Feedback-Type: abuse",
    `Original-Rcpt-To: <${recipient}>`,
    "",
    `--${boundary}`,
    "Content-Type: text/rfc822-headers",
    "",
    original.split(/\r?\n\r?\n/, 1)[0] ?? "",
    "",
    `--${boundary}--`,
    "",
  ].join("\r\n");
}

const outbound = async () => ({
  sent: await stat("", "sent"),
  bounced: await stat("", "bounced"),
  complained: await stat("", "complained"),
});

describe("mail counters move for the events they count", () => {
  it("a new message counts accepted under its route's address (not the +tag it came to); confirming counts once", async () => {
    const { address } = await route("sales");
    const from = unique("buyer");
    const to = address.replace("@", "+spring@");
    const messageId = `${crypto.randomUUID()}@client.example`;
    const raw = plainMail({ from, to, text: "A quote for 20 seats, please.", messageId });
    const delivery = await deliverMail(raw, { from, to });
    expect(delivery.replies).toHaveLength(1);
    expect(await statsOf(address)).toEqual({ accepted: 1 });
    const row = await env.DB.prepare("SELECT address, created_at, ack_sent_at FROM inbound_emails WHERE sender = ?")
      .bind(from)
      .first<{ address: string; created_at: number; ack_sent_at: number | null }>();
    expect(row?.address).toBe(address);
    expect(row?.ack_sent_at).toBeGreaterThanOrEqual(row?.created_at ?? Number.POSITIVE_INFINITY);
    expect(await stat(to, "accepted")).toBe(0);

    // The same message delivered again is a duplicate: not received twice.
    await deliverMail(raw, { from, to });
    expect(await statsOf(address)).toEqual({ accepted: 1 });

    expect((await confirmFrom(delivery.replies[0])).status).toBe(200);
    await confirmFrom(delivery.replies[0]);
    expect(await statsOf(address)).toEqual({ accepted: 1, confirmed: 1 });
  });

  it("a confirmation whose request could not start is taken back, and counts when it is confirmed again", async () => {
    const { address } = await route("retry");
    const from = unique("patient");
    await deliverMail(plainMail({ from, to: address, text: "Hello" }), { from, to: address });
    const row = await env.DB.prepare("SELECT id FROM inbound_emails WHERE sender = ?")
      .bind(from)
      .first<{ id: string }>();
    const id = row?.id ?? "";
    expect(await claimConfirmation(env, id, Date.now())).toBe(true);
    expect(await claimConfirmation(env, id, Date.now())).toBe(false);
    expect(await stat(address, "confirmed")).toBe(1);
    await releaseConfirmation(env, id);
    expect(await stat(address, "confirmed")).toBe(0);
    expect(await claimConfirmation(env, id, Date.now())).toBe(true);
    expect(await statsOf(address)).toEqual({ accepted: 1, confirmed: 1 });
  });

  it("refusals count by closed reason: unknown and switched-off addresses, too large, empty, no sender", async () => {
    const unknownBefore = await stat("(unknown)", "refused", "unknown-address");
    const stranger = unique("stranger");
    const nowhere = `nobody@${uniqueDomain("nowhere")}`;
    const refused = await deliverMail(plainMail({ from: stranger, to: nowhere, text: "Hi" }), {
      from: stranger,
      to: nowhere,
    });
    expect(refused.rejected).toMatch(/no mailbox/);
    expect(await stat("(unknown)", "refused", "unknown-address")).toBe(unknownBefore + 1);
    expect(await statsOf(nowhere)).toEqual({});

    const off = await route("closed", { enabled: false });
    await deliverMail(plainMail({ from: stranger, to: off.address, text: "Hi" }), { from: stranger, to: off.address });
    expect(await statsOf(off.address)).toEqual({ "refused/address-off": 1 });

    const { address } = await route("support");
    const send = (raw: string, options: { rawSize?: number } = {}, sender = stranger) =>
      deliverMail(raw, { from: sender, to: address }, options);
    expect(
      (await send(plainMail({ from: stranger, to: address, text: "big" }), { rawSize: 50_000_000 })).rejected,
    ).toMatch(/takes messages up to/);
    expect((await send(plainMail({ from: stranger, to: address, subject: "", text: "" }))).rejected).toMatch(
      /no text or attachments/,
    );
    expect((await send(plainMail({ from: "nobody", to: address, text: "Who am I?" }), {}, "nobody")).rejected).toMatch(
      /who sent this message/,
    );
    expect(await statsOf(address)).toEqual({
      "refused/too-large": 1,
      "refused/empty": 1,
      "refused/no-sender": 1,
    });
  });

  it("automatic mail counts ignored; spam counts quarantined, and its release counts released, not received again", async () => {
    const { address } = await route("info");
    const bot = unique("bot");
    await deliverMail(
      plainMail({ from: bot, to: address, text: "Out of office", headers: { "Auto-Submitted": "auto-replied" } }),
      {
        from: bot,
        to: address,
      },
    );
    const spammer = unique("winner");
    await deliverMail(plainMail({ from: spammer, to: address, subject: "Your winnings", text: SPAM_TEXT }), {
      from: spammer,
      to: address,
    });
    expect(await statsOf(address)).toEqual({ "ignored/automatic": 1, quarantined: 1 });
    const row = await env.DB.prepare("SELECT id FROM inbound_emails WHERE sender = ?")
      .bind(spammer)
      .first<{ id: string }>();
    const released = await releaseQuarantined(env, row?.id ?? "", log);
    expect(released).toMatchObject({ status: "released", outcome: "pending" });
    expect(await statsOf(address)).toEqual({ "ignored/automatic": 1, quarantined: 1, released: 1 });
    // Released a second time: refused, and counted nothing.
    expect((await releaseQuarantined(env, row?.id ?? "", log)).status).toBe("refused");
    expect(await statsOf(address)).toEqual({ "ignored/automatic": 1, quarantined: 1, released: 1 });
  });

  it("a message forwarded by two rules counts forwarded once; a failed forward does not count", async () => {
    const { address, routeId } = await route("desk");
    const d = db(env.DB);
    const rule = { matchAddress: null, matchSenderDomain: null, matchSubject: "", matchVerdict: null, stop: false };
    for (const destination of ["one@staff.example", "two@staff.example"]) {
      await addForwardRule(d, routeId, { ...rule, destination }, (a) => routesToUs(env, a));
    }
    const from = unique("customer");
    const forwards: { to: string; headers: [string, string][] }[] = [];
    await deliverMail(
      plainMail({ from, to: address, text: "Please call me back." }),
      { from, to: address },
      { forwards },
    );
    expect(forwards.map((f) => f.to)).toEqual(["one@staff.example", "two@staff.example"]);
    expect(await statsOf(address)).toEqual({ accepted: 1, forwarded: 1 });

    const other = unique("customer");
    await deliverMail(
      plainMail({ from: other, to: address, text: "Me too." }),
      { from: other, to: address },
      { unverified: ["one@staff.example", "two@staff.example"] },
    );
    expect(await statsOf(address)).toEqual({ accepted: 2, forwarded: 1 });
  });

  it("outbound mail counts sent, and trusted bounces and complaints on the day of the mail they report", async () => {
    const before = await outbound();
    const gone = unique("gone");
    const annoyed = unique("annoyed");
    const first = await deliverMail(plainMail({ from: gone, text: "Quote, please." }), { from: gone, to: INBOX });
    const second = await deliverMail(plainMail({ from: annoyed, text: "Quote, please." }), {
      from: annoyed,
      to: INBOX,
    });
    expect((await outbound()).sent).toBe(before.sent + 2);

    await deliverMail(dsn(gone, first.replies[0] ?? ""), { from: "", to: INBOX });
    await deliverMail(arf(annoyed, second.replies[0] ?? ""), { from: "fbl@example.net", to: INBOX });
    // A forged report (answering nothing we sent) counts nothing.
    await deliverMail(dsn(unique("victim"), plainMail({ from: INBOX, text: "never sent" })), { from: "", to: INBOX });
    expect(await outbound()).toEqual({
      sent: before.sent + 2,
      bounced: before.bounced + 1,
      complained: before.complained + 1,
    });
  });

  it("mail over the acknowledgement cap counts refused ack-cap", async () => {
    const { address } = await route("flood");
    const prefix = `CAP${crypto.randomUUID().slice(0, 6).toUpperCase()}`;
    await fillAckCap(prefix, INBOX);
    try {
      const from = unique("late");
      const delivery = await deliverMail(plainMail({ from, to: address, text: "Hello" }), { from, to: address });
      expect(delivery.rejected).toMatch(/unusually many/);
      expect(await statsOf(address)).toEqual({ "refused/ack-cap": 1 });
    } finally {
      await env.DB.prepare("DELETE FROM inbound_emails WHERE id LIKE ?").bind(`in_${prefix}%`).run();
    }
  });

  it("reads every reason the mail code records into its closed list, whatever text follows", () => {
    const cases: [Parameters<typeof arrivalOf>[0], string][] = [
      [{ status: "rejected", reason: "unknown recipient" }, "refused/unknown-address"],
      [{ status: "rejected", reason: "address switched off" }, "refused/address-off"],
      [{ status: "rejected", reason: "no sender address" }, "refused/no-sender"],
      [{ status: "rejected", reason: "too many attachments" }, "refused/too-many-attachments"],
      [{ status: "rejected", reason: "text too long" }, "refused/text-too-long"],
      [{ status: "rejected", reason: "no usable attachment" }, "refused/empty"],
      [{ status: "rejected", reason: "unconfirmed acknowledgement cap (20/h) reached" }, "refused/ack-cap"],
      [{ status: "rejected", reason: "forward failed" }, "refused/forward-failed"],
      [{ status: "rejected", reason: "account disabled" }, "refused/account-disabled"],
      [{ status: "rejected", reason: "something new" }, "refused/other"],
      [{ status: "ignored", reason: "Auto-Submitted: auto-replied\r\nX-Evil: yes" }, "ignored/automatic"],
      [{ status: "ignored", reason: "list-id header" }, "ignored/automatic"],
      [{ status: "ignored", reason: "automatic sender noreply@x.example" }, "ignored/automatic"],
      [{ status: "ignored", reason: "forwarded only (to a@b.example)" }, "ignored/forwarded-only"],
      [{ status: "ignored", reason: "sender already has 3 unconfirmed requests" }, "ignored/pending-limit"],
      [{ status: "ignored", reason: "delivery status notification: answers no message" }, "ignored/report"],
      [{ status: "bounce", reason: "feedback report (complaint): …" }, "ignored/report"],
      [{ status: "ignored", reason: "attacker@evil.example" }, "ignored/other"],
      [{ status: "pending" }, "accepted"],
      [{ status: "appended" }, "accepted"],
      [{ status: "quarantined" }, "quarantined"],
    ];
    for (const [outcome, expected] of cases) {
      const got = arrivalOf(outcome);
      expect(got && (got.reason ? `${got.event}/${got.reason}` : got.event), outcome.reason ?? outcome.status).toBe(
        expected,
      );
    }
    expect(arrivalOf({ status: "rejected", reason: "unconfirmed acknowledgement cap" }, true)).toBeNull();
    expect(arrivalOf({ status: "pending" }, true)).toEqual({ event: "released", reason: "" });
  });
});

describe("the counters cannot be grown by senders", () => {
  it("mail to many distinct unknown addresses (and to a catch-all) adds no row per address", async () => {
    const rows = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM mail_stats").first<{ n: number }>())?.n ?? 0;
    const attack = uniqueDomain("attack");
    const catchAll = uniqueDomain("catch");
    await createRoute(db(env.DB), ROUTE, { address: `*@${catchAll}`, plusTags: true });
    // Deliveries first that make today's rows: the refusal, and the catch-all's first three
    // messages from one sender (accepted) and the next (ignored: three wait for confirmation).
    const from = unique("attacker");
    const send = (to: string) => deliverMail(plainMail({ from, to, text: "x" }), { from, to });
    await send(`warmup@${attack}`);
    for (let i = 0; i < 4; i++) await send(`warmup${i}@${catchAll}`);
    const before = { rows: await rows(), unknown: await stat("(unknown)", "refused", "unknown-address") };
    for (let i = 0; i < 40; i++) {
      await send(`victim${i}-${crypto.randomUUID().slice(0, 4)}@${attack}`);
      await send(`random${i}+${i}@${catchAll}`);
    }
    expect(await stat("(unknown)", "refused", "unknown-address")).toBe(before.unknown + 40);
    // No new row: every refusal and every catch-all message lands on rows that existed.
    expect(await rows()).toBe(before.rows);
    const named = await env.DB.prepare("SELECT DISTINCT address FROM mail_stats WHERE address LIKE ? OR address LIKE ?")
      .bind(`%${attack}`, `%${catchAll}`)
      .all<{ address: string }>();
    expect(named.results.map((r) => r.address)).toEqual([`*@${catchAll}`]);
  });
});

describe("the counters over time", () => {
  it("the daily sweep folds days older than 400 into one row per counter: totals unchanged, the table bounded", async () => {
    const address = `old@${uniqueDomain("old")}`;
    const put = (day: string, event: string, reason: string, n: number) =>
      env.DB.prepare("INSERT INTO mail_stats (day, address, event, reason, n) VALUES (?, ?, ?, ?, ?)").bind(
        day,
        address,
        event,
        reason,
        n,
      );
    const recent = dayOf(Date.now() - 10 * 86_400_000);
    await env.DB.batch([
      put(BEFORE_DAY, "accepted", "", 5),
      put("2001-01-01", "accepted", "", 2),
      put("2001-01-02", "accepted", "", 3),
      put("2001-01-02", "refused", "empty", 4),
      put(recent, "accepted", "", 7),
    ]);
    await sweepInbound(env);
    const { results } = await env.DB.prepare(
      "SELECT day, event, reason, n FROM mail_stats WHERE address = ? ORDER BY day, event",
    )
      .bind(address)
      .all();
    expect(results).toEqual([
      { day: BEFORE_DAY, event: "accepted", reason: "", n: 10 },
      { day: BEFORE_DAY, event: "refused", reason: "empty", n: 4 },
      { day: recent, event: "accepted", reason: "", n: 7 },
    ]);
    // A second sweep changes nothing; the page's 30 days show only the recent row.
    await sweepInbound(env);
    expect(await statsOf(address)).toEqual({ accepted: 17, "refused/empty": 4 });
    const page = await mailAnalytics(env.DB, { days: 30, address });
    expect(page.totals.accepted).toBe(7);
  });
});

/** Seeds messages with known times under `address`: arrival → acknowledgement, arrival → result. */
async function seedTimes(address: string, base: number) {
  const ackSeconds = [1, 2, 3, 10, 60];
  const resultSeconds = [60, 120, 600];
  const tag = crypto.randomUUID().slice(0, 8).toUpperCase();
  const statements = ackSeconds.map((s, i) =>
    env.DB.prepare(
      `INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, address, status, raw_size, correlation_id, created_at, ack_sent_at)
       VALUES (?, ?, 'timed@example.com', ?, ?, 'pending', 1, 'seed', ?, ?)`,
    ).bind(`in_T${tag}A${i}`, `timed:${tag}:a${i}`, address, address, base + i, base + i + s * 1000),
  );
  resultSeconds.forEach((s, i) => {
    const inbound = `in_T${tag}R${i}`;
    const sub = `sub_T${tag}R${i}`;
    const arrived = base + 100 + i;
    statements.push(
      env.DB.prepare(
        `INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, address, status, raw_size, correlation_id, created_at, confirmed_at)
         VALUES (?, ?, 'timed@example.com', ?, ?, 'accepted', 1, 'seed', ?, ?)`,
      ).bind(inbound, `timed:${tag}:r${i}`, address, address, arrived, arrived + 500),
      env.DB.prepare(
        `INSERT INTO submissions (id, status, source, email, text_chars, input_key, correlation_id, created_at, updated_at, completed_at)
         VALUES (?, 'completed', 'email', 'timed@example.com', 1, 'inputs/x', 'seed', ?, ?, ?)`,
      ).bind(sub, arrived, arrived, arrived + s * 1000),
      env.DB.prepare(
        "INSERT INTO email_threads (submission_id, root_inbound_id, subject, created_at) VALUES (?, ?, 'Timed', ?)",
      ).bind(sub, inbound, arrived),
      // The result's mail, and mail that is not a result: the acknowledgement of receipt, an SMS.
      ...[
        ["submission.completed", "email", s],
        ["submission.received", "email", 1],
        ["submission.completed", "sms", 2],
      ].map(([event, channel, after]) =>
        env.DB.prepare(
          `INSERT INTO notifications (id, submission_id, event, channel, recipient, status, created_at, updated_at, sent_at)
           VALUES (?, ?, ?, ?, 'timed@example.com', 'sent', ?, ?, ?)`,
        ).bind(`${sub}:${event}:${channel}`, sub, event, channel, arrived, arrived, arrived + Number(after) * 1000),
      ),
    );
  });
  // As the mail would have: the counters of its arrival.
  statements.push(
    env.DB.prepare("INSERT INTO mail_stats (day, address, event, reason, n) VALUES (?, ?, 'accepted', '', 8)").bind(
      dayOf(base),
      address,
    ),
  );
  await env.DB.batch(statements);
}

describe("median times", () => {
  it("are nearest-rank medians of known timestamps: to acknowledgement and to the result's mail", async () => {
    const address = `timed@${uniqueDomain("timed")}`;
    const now = Date.now();
    const base = now - 3_600_000;
    await seedTimes(address, base);
    const data = await mailAnalytics(env.DB, { days: 7, address, now });
    // 1, 2, 3, 10, 60 s: the 3rd of 5. 60, 120, 600 s: the 2nd of 3 (the SMS and the receipt notice do not count).
    expect(data.totals.ack).toEqual({ n: 5, medianMs: 3000 });
    expect(data.totals.result).toEqual({ n: 3, medianMs: 120_000 });
    const day = data.byDay.find((d) => d.day === dayOf(base));
    expect(day?.ack).toEqual({ n: 5, medianMs: 3000 });
    expect(day?.result).toEqual({ n: 3, medianMs: 120_000 });
    const entry = data.byAddress.find((a) => a.address === address);
    expect(entry?.ack).toEqual({ n: 5, medianMs: 3000 });
    expect(entry?.result).toEqual({ n: 3, medianMs: 120_000 });
    // Outside the window: nothing.
    const later = await mailAnalytics(env.DB, { days: 7, address, now: now + 8 * 86_400_000 });
    expect(later.totals.ack).toEqual({ n: 0, medianMs: null });
  });

  it("bound the rows they read: the newest messages of the window only", () => {
    for (const to of ["ack", "result"] as const) expect(medianSql(to, "day")).toMatch(/LIMIT 20000/);
  });
});

describe("/app/admin/mail/analytics", () => {
  it("shows an admin the figures as charts, each followed by its table, and is linked from the dashboard and the mail page", async () => {
    const { address } = await route("page");
    const from = unique("reader");
    await deliverMail(plainMail({ from, to: address, text: "Hello" }), { from, to: address });
    await deliverMail(plainMail({ from, to: address, subject: "", text: "" }), { from, to: address });
    const timed = `timed@${uniqueDomain("pagetimes")}`;
    await seedTimes(timed, Date.now() - 60_000);
    const admin = await signedInAs(unique("admin"), "admin");

    for (const path of ["/app/admin/dashboard", "/app/admin/mail", "/app/admin"]) {
      expect(await admin.page(path)).toContain('href="/app/admin/mail/analytics"');
    }
    const html = await admin.page(`/app/admin/mail/analytics?days=7&address=${encodeURIComponent(address)}`);
    expect(html).toContain("<h1>Mail analytics</h1>");
    // Six charts, each an accessible SVG.
    expect(html.match(/<svg [^>]*role="img"/g)).toHaveLength(6);
    const today = dayOf(Date.now());
    const dayRow = new RegExp(
      `<tr data-day="${today}"><th scope="row"><time[^>]*>[^<]+</time></th><td>2</td><td>1</td><td>1</td><td>0</td><td>0</td></tr>`,
    );
    expect(html).toMatch(dayRow);
    expect(html).toMatch(/<tr data-reason="empty"><th scope="row">empty<\/th><td>1<\/td><td>100%<\/td><\/tr>/);
    expect(html).toContain(`data-address="${address}"`);
    // The address filter is a select of the addresses there are, the chosen one selected.
    expect(html).toMatch(new RegExp(`<option value="${address.replace(/[.+*]/g, "\\$&")}" selected="">`));

    const times = await admin.page(`/app/admin/mail/analytics?days=7&address=${encodeURIComponent(timed)}`);
    expect(times).toMatch(
      /<tfoot><tr data-day="total"><th scope="row">Total<\/th><td>5<\/td><td>3 s<\/td><td>3<\/td><td>2 min<\/td><\/tr><\/tfoot>/,
    );
  });

  it("refuses bad filters with a 400 page that says what is wrong, and non-admins with 404", async () => {
    const admin = await signedInAs(unique("admin"), "admin");
    for (const [query, says] of [
      ["days=9", /7 or 30 days/],
      ["days=seven", /7 or 30 days/],
      [`address=${"a".repeat(300)}%40x.example`, /254 characters/],
      ["address=nobody%40never-configured.example", /No mail is counted under that address/],
    ] as const) {
      const res = await admin.request(`/app/admin/mail/analytics?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toMatch(says);
    }
    expect((await admin.request("/app/admin/mail/analytics?days=30&address=")).status).toBe(200);
    const user = await signedInAs(unique("user"));
    expect((await user.request("/app/admin/mail/analytics")).status).toBe(404);
  });
});

describe("GET /metrics", () => {
  interface Family {
    name: string;
    type: string;
    metrics: { value: string; labels?: Record<string, string> }[];
  }

  it("exports the mail figures as families a Prometheus parser reads", async () => {
    const { address } = await route("metrics");
    const from = unique("scraped");
    await deliverMail(plainMail({ from, to: address, text: "Hello" }), { from, to: address });
    await deliverMail(plainMail({ from, to: address, subject: "", text: "" }), { from, to: address });
    const timed = `timed@${uniqueDomain("metrictimes")}`;
    await seedTimes(timed, Date.now() - 60_000);
    const key = await apiKeyFor(unique("ops"), { role: "admin", scopes: ["admin:read"] });
    const res = await exports.default.fetch(`${BASE}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const families = parsePrometheusTextFormat(await res.text()) as Family[];
    const get = (name: string) => families.find((f) => f.name === name);
    expect(get("statex_mail_received_total")?.type).toBe("COUNTER");
    expect(get("statex_mail_received_total")?.metrics).toContainEqual({ value: "2", labels: { address } });
    expect(get("statex_mail_inbound_total")?.metrics).toEqual(
      expect.arrayContaining([
        { value: "1", labels: { address, outcome: "accepted", reason: "" } },
        { value: "1", labels: { address, outcome: "refused", reason: "empty" } },
      ]),
    );
    const sent = get("statex_mail_outbound_total")?.metrics.find((m) => m.labels?.outcome === "sent");
    expect(Number(sent?.value)).toBeGreaterThanOrEqual(1);
    expect(get("statex_mail_delivered_last_30d")?.type).toBe("GAUGE");
    expect(get("statex_mail_ack_seconds")?.metrics).toContainEqual({
      value: "3",
      labels: { address: timed, quantile: "0.5" },
    });
    expect(get("statex_mail_result_seconds")?.metrics).toContainEqual({
      value: "120",
      labels: { address: timed, quantile: "0.5" },
    });
    expect(get("statex_mail_timed_last_24h")?.metrics).toContainEqual({
      value: "5",
      labels: { address: timed, time: "ack" },
    });
  });
});
