import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { createLogger } from "../shared/log";
import { threadAddress } from "../shared/mail/address";
import { sweepInbound } from "../shared/mail/cleanup";
import { recordSent } from "../shared/mail/sent-log";
import { resultLink } from "../shared/mail/thread";
import { deleteAccount } from "../workers/account/delete";
import { waitForStatus } from "./helpers/api";
import { type Delivery, deliverMail, fixture, fixtures, plainMail, sentMailTo } from "./helpers/mail";

const INBOX = "requests@statex.localhost";
const BASE = "http://127.0.0.1:8787";

type Row = {
  id: string;
  status: string;
  reason: string | null;
  sender: string;
  submission_id: string | null;
  user_id: string | null;
  raw_key: string | null;
  parent_id: string | null;
  message_id: string | null;
};

async function rowsFrom(sender: string): Promise<Row[]> {
  const { results } = await env.DB.prepare("SELECT * FROM inbound_emails WHERE sender = ? ORDER BY created_at, id")
    .bind(sender)
    .all<Row>();
  return results;
}

async function parseReply(delivery: Delivery, index = 0) {
  const raw = delivery.replies[index];
  expect(raw, "a reply was sent").toBeTruthy();
  return PostalMime.parse(raw ?? "");
}

/** The confirmation link of an acknowledgement. */
function confirmPath(text: string | undefined): string {
  const match = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(text ?? "");
  expect(match, "the acknowledgement carries a confirmation link").toBeTruthy();
  return match?.[1] ?? "";
}

async function confirm(path: string) {
  return exports.default.fetch(`${BASE}${path}`, { method: "POST" });
}

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;

describe("requests by email: a new message waits for its sender's confirmation", () => {
  it("answers in the sender's thread with a signed confirmation link, and starts nothing yet", async () => {
    const from = unique("new-sender");
    const messageId = `${crypto.randomUUID()}@client.example`;
    const delivery = await deliverMail(
      plainMail({
        from,
        subject: "Quarterly numbers",
        text: "Please summarise the quarter: revenue up 12%.",
        messageId,
      }),
      { from, to: INBOX },
    );
    expect(delivery.threw).toBeNull();
    expect(delivery.rejected).toBeNull();
    const [row] = await rowsFrom(from);
    expect(row?.status).toBe("pending");
    expect(row?.submission_id).toBeNull();
    expect(await env.FILES.head(row?.raw_key ?? "")).not.toBeNull();
    const { results } = await env.DB.prepare("SELECT id FROM submissions WHERE email = ?").bind(from).all();
    expect(results).toHaveLength(0);

    const reply = await parseReply(delivery);
    expect(reply.inReplyTo).toBe(`<${messageId}>`);
    expect(reply.references).toContain(`<${messageId}>`);
    expect(reply.subject).toBe("Re: Quarterly numbers");
    expect(reply.headers.find((h) => h.key === "auto-submitted")?.value).toBe("auto-replied");
    expect(reply.replyTo?.[0]?.address).toMatch(
      /^requests\+in_[0-9a-z]{26}\.[0-9a-z]+\.[a-z2-7]{16}@statex\.localhost$/,
    );
    expect((reply.replyTo?.[0]?.address ?? "").split("@")[0]?.length).toBeLessThanOrEqual(64);
    expect(reply.text).toContain("creates a free StateX account");
    confirmPath(reply.text);
  });

  it("GET shows the request and changes nothing; POST creates the account and runs the job; a second POST does not run it twice", async () => {
    const from = unique("confirmer");
    const delivery = await deliverMail(
      plainMail({ from, text: "Summarise: the supplier raised prices by 8% from January.\n\n-- \nJohn\nSales" }),
      { from, to: INBOX },
    );
    const path = confirmPath((await parseReply(delivery)).text);

    const page = await exports.default.fetch(`${BASE}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Confirm and start my request");
    expect((await rowsFrom(from))[0]?.status).toBe("pending");

    const confirmed = await confirm(path);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain("Request confirmed");
    const [row] = await rowsFrom(from);
    expect(row?.status).toBe("accepted");
    const submissionId = row?.submission_id ?? "";
    expect(submissionId).toMatch(/^sub_/);
    const user = await env.DB.prepare("SELECT id, email_verified_at, password_hash FROM users WHERE email = ?")
      .bind(from)
      .first<{ id: string; email_verified_at: number | null; password_hash: string | null }>();
    expect(user?.email_verified_at).not.toBeNull();
    expect(user?.password_hash).toBeNull();
    expect(row?.user_id).toBe(user?.id);
    const submission = await env.DB.prepare("SELECT user_id, source FROM submissions WHERE id = ?")
      .bind(submissionId)
      .first<{ user_id: string; source: string }>();
    expect(submission).toEqual({ user_id: user?.id, source: "email" });
    // The request text is the new text only: the signature is gone.
    const input = (await (await env.FILES.get(`inputs/${submissionId}.json`))?.json()) as { text: string };
    expect(input.text).toBe("Summarise: the supplier raised prices by 8% from January.");
    // The raw message moved from the pending area to the request's own objects.
    expect(row?.raw_key).toBe(`work/${submissionId}/mail/${row?.id}.eml`);
    expect(await env.FILES.head(row?.raw_key ?? "")).not.toBeNull();
    expect((await env.FILES.list({ prefix: `mail/pending/${row?.id}` })).objects).toHaveLength(0);
    await waitForStatus(submissionId, ["completed"]);

    const again = await confirm(path);
    expect(await again.text()).toContain("Already confirmed");
    const { results } = await env.DB.prepare("SELECT id FROM submissions WHERE email = ?").bind(from).all();
    expect(results).toHaveLength(1);
  });

  it("a registered address's request belongs to that account", async () => {
    const from = unique("registered");
    const userId = `usr_${crypto.randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase()}`;
    await env.DB.prepare(
      "INSERT INTO users (id, email, name, role, email_verified_at, locale, time_zone, created_at, updated_at) VALUES (?, ?, '', 'user', 1, 'en', 'UTC', 1, 1)",
    )
      .bind(userId, from)
      .run();
    const delivery = await deliverMail(plainMail({ from, text: "Analyse our churn: 40 customers left in Q3." }), {
      from,
      to: INBOX,
    });
    const reply = await parseReply(delivery);
    expect(reply.text).toContain("belong to your StateX account");
    await confirm(confirmPath(reply.text));
    const [row] = await rowsFrom(from);
    const owner = await env.DB.prepare("SELECT user_id FROM submissions WHERE id = ?")
      .bind(row?.submission_id)
      .first<{ user_id: string }>();
    expect(owner?.user_id).toBe(userId);
  });

  it("refuses forged, tampered and expired-looking confirmation links", async () => {
    for (const path of [
      "/email/confirm/in_x.1.abc",
      "/email/confirm/nonsense",
      "/email/confirm/in_01JF000000000000000000DEM0.zzzz.AAAA",
    ]) {
      const res = await confirm(path);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("not valid");
    }
  });
});

describe("replies thread into their conversation", () => {
  it("a reply before confirming adds to the request; after confirming, the request has both texts", async () => {
    const from = unique("adder");
    const first = await deliverMail(plainMail({ from, subject: "Lease", text: "Summarise the lease terms." }), {
      from,
      to: INBOX,
    });
    const ack = await parseReply(first);
    const plus = ack.replyTo?.[0]?.address ?? "";
    const second = await deliverMail(
      plainMail({
        from,
        to: plus,
        subject: "Re: Lease",
        text: "Also: the deposit is three months' rent.\n\nOn Tue, StateX wrote:\n> old",
        inReplyTo: ack.messageId?.replace(/[<>]/g, ""),
      }),
      { from, to: plus },
    );
    expect(second.rejected).toBeNull();
    const rows = await rowsFrom(from);
    expect(rows.map((r) => r.status)).toEqual(["pending", "appended"]);
    expect(rows[1]?.parent_id).toBe(rows[0]?.id);
    await confirm(confirmPath((await parseReply(second)).text));
    const [root] = await rowsFrom(from);
    const input = (await (await env.FILES.get(`inputs/${root?.submission_id}.json`))?.json()) as { text: string };
    expect(input.text).toBe("Summarise the lease terms.\n\nAdded later:\nAlso: the deposit is three months' rent.");
  });

  it("a reply to a finished request joins its thread as the customer's message, without another confirmation", async () => {
    const from = unique("follower");
    const first = await deliverMail(plainMail({ from, subject: "Prices", text: "Summarise: prices rise 5%." }), {
      from,
      to: INBOX,
    });
    const ack = await parseReply(first);
    await confirm(confirmPath(ack.text));
    const [root] = await rowsFrom(from);
    await waitForStatus(root?.submission_id ?? "", ["completed"]);

    // A reply to the acknowledgement's conversation address (the result's own address is
    // test/desk-channels.test.ts's): it joins the conversation's request, not a new one.
    const plus = ack.replyTo?.[0]?.address ?? "";
    const replyId = `${crypto.randomUUID()}@client.example`;
    const follow = await deliverMail(
      plainMail({
        from,
        to: plus,
        subject: "Re: Prices",
        text: "And what if they rise 10%?\n\nOn Mon, StateX wrote:\n> Your result",
        messageId: replyId,
      }),
      { from, to: plus },
    );
    expect(follow.rejected).toBeNull();
    const rows = await rowsFrom(from);
    const latest = rows.at(-1);
    expect(latest?.status).toBe("accepted");
    expect(latest?.submission_id).toBe(root?.submission_id);
    const { results: made } = await env.DB.prepare("SELECT id FROM submissions WHERE user_id = ?")
      .bind(root?.user_id)
      .all();
    expect(made).toHaveLength(1);
    const message = await env.DB.prepare(
      "SELECT kind, channel, body, email_message_id, author_id FROM submission_messages WHERE submission_id = ?",
    )
      .bind(root?.submission_id)
      .first();
    expect(message).toEqual({
      kind: "customer",
      channel: "email",
      body: "And what if they rise 10%?",
      email_message_id: replyId,
      author_id: root?.user_id,
    });
    const thread = await env.DB.prepare("SELECT * FROM email_threads WHERE submission_id = ?")
      .bind(root?.submission_id)
      .first<{ in_reply_to: string; references: string; root_inbound_id: string }>();
    expect(thread?.in_reply_to).toBe(replyId);
    expect(thread?.root_inbound_id).toBe(root?.id);
    // Nothing is mailed back: the answer waits for staff, who are told of it.
    expect(follow.replies).toHaveLength(0);
  });

  it("a tampered token, or a reply from another address, starts a new conversation instead", async () => {
    const from = unique("owner");
    const ack = await parseReply(
      await deliverMail(plainMail({ from, text: "Summarise the memo." }), { from, to: INBOX }),
    );
    const plus = ack.replyTo?.[0]?.address ?? "";
    const tampered = plus.replace(
      /\.([a-z2-7])([a-z2-7]{15})@/,
      (_m, c: string, rest: string) => `.${c === "a" ? "b" : "a"}${rest}@`,
    );
    expect(tampered).not.toBe(plus);
    const forged = await deliverMail(plainMail({ from, to: tampered, text: "Added by a forger?" }), {
      from,
      to: tampered,
    });
    expect(forged.rejected).toBeNull();
    expect((await rowsFrom(from)).map((r) => r.status)).toEqual(["pending", "pending"]);

    const stranger = unique("stranger");
    await deliverMail(plainMail({ from: stranger, to: plus, text: "I got this forwarded." }), {
      from: stranger,
      to: plus,
    });
    expect((await rowsFrom(stranger)).map((r) => [r.status, r.parent_id])).toEqual([["pending", null]]);
  });

  it("the signed plus-address survives case folding and refuses other domains", async () => {
    const address = await threadAddress(env, "in_01JF000000000000000000DEM0");
    const from = unique("folder");
    // Upper-cased by a mail system on the way: still our conversation (here: unknown id, so new).
    const delivery = await deliverMail(plainMail({ from, to: address.toUpperCase(), text: "Hi" }), {
      from,
      to: address.toUpperCase(),
    });
    expect(delivery.rejected).toBeNull();
    const other = await deliverMail(plainMail({ from, to: "requests@elsewhere.example", text: "Hi" }), {
      from,
      to: "requests@elsewhere.example",
    });
    expect(other.rejected).toMatch(/no mailbox/);
  });
});

describe("what is never answered, and clean rejections", () => {
  it("a redelivered message (same Message-ID) is done once", async () => {
    const from = unique("dup");
    const raw = plainMail({
      from,
      text: "Summarise this once.",
      messageId: `dup-${crypto.randomUUID()}@client.example`,
    });
    const a = await deliverMail(raw, { from, to: INBOX });
    const b = await deliverMail(raw, { from, to: INBOX });
    expect(a.replies).toHaveLength(1);
    expect(b.replies).toHaveLength(0);
    expect(b.rejected).toBeNull();
    expect(await rowsFrom(from)).toHaveLength(1);
  });

  it.each([
    ["auto-reply.eml", "martin@example.com", /Auto-Submitted/],
    ["newsletter-bulk.eml", "news@example.com", /Precedence: bulk/],
    ["own-loop.eml", "results@statex.localhost", /our own address/],
  ])("%s is ignored and never answered", async (name, sender, reason) => {
    const delivery = await deliverMail(fixture(name), { from: sender, to: INBOX });
    expect(delivery).toEqual({ rejected: null, replies: [], threw: null });
    const [row] = await rowsFrom(sender);
    expect(row?.status).toBe("ignored");
    expect(row?.reason).toMatch(reason);
  });

  it("a bounce and a complaint are recorded and never answered; they suppress only when they answer mail we sent", async () => {
    // As they are, the reports quote messages we never sent (anyone could have written them).
    const bounce = await deliverMail(fixture("bounce-dsn.eml"), { from: "", to: INBOX });
    expect(bounce).toEqual({ rejected: null, replies: [], threw: null });
    const complaint = await deliverMail(fixture("complaint-arf.eml"), { from: "fbl@example.net", to: INBOX });
    expect(complaint).toEqual({ rejected: null, replies: [], threw: null });
    const statuses = async (ids: string[]) =>
      (
        await env.DB.prepare(
          `SELECT status, reason FROM inbound_emails WHERE message_id IN (${ids.map(() => "?").join(",")}) ORDER BY message_id DESC`,
        )
          .bind(...ids)
          .all<{ status: string; reason: string }>()
      ).results;
    const originals = await statuses(["bounce-20261124-0001@mx.example.net", "arf-3344@fbl.example.net"]);
    expect(originals.map((r) => r.status)).toEqual(["ignored", "ignored"]);
    expect(originals.map((r) => r.reason)).toEqual([
      expect.stringMatching(/answers no message we sent to gone@example\.net/),
      expect.stringMatching(/answers no message we sent to annoyed@example\.net/),
    ]);
    const listed = () =>
      env.DB.prepare(
        "SELECT address, reason FROM suppressions WHERE channel = 'email' AND address IN ('gone@example.net', 'slow@example.net', 'annoyed@example.net') ORDER BY address",
      ).all<{ address: string; reason: string }>();
    expect((await listed()).results).toEqual([]);

    // The same reports about messages we did send to those addresses (new report ids).
    await recordSent(env, ["sub_01JF000000000000000000DEM0.completed@statex.localhost"], "gone@example.net");
    await recordSent(env, ["arf-original-1@statex.localhost"], "annoyed@example.net");
    await deliverMail(fixture("bounce-dsn.eml").replace("bounce-20261124-0001@", "bounce-20261124-0002@"), {
      from: "",
      to: INBOX,
    });
    await deliverMail(
      fixture("complaint-arf.eml")
        .replace("arf-3344@", "arf-3345@")
        .replace("To: annoyed@example.net", "To: annoyed@example.net\r\nMessage-ID: <arf-original-1@statex.localhost>"),
      { from: "fbl@example.net", to: INBOX },
    );
    const genuine = await statuses(["bounce-20261124-0002@mx.example.net", "arf-3345@fbl.example.net"]);
    expect(genuine.map((r) => r.status)).toEqual(["bounce", "bounce"]);
    // Hard bounces and complaints go on the suppression list; the soft (4.x.x) one does not.
    expect((await listed()).results).toEqual([
      { address: "annoyed@example.net", reason: "complaint" },
      { address: "gone@example.net", reason: "hard_bounce" },
    ]);
  });

  it("rejects a message over the size limit before reading it, and keeps nothing", async () => {
    const from = unique("big");
    // A 30 MB attachment: the size Email Routing reports is over our limit.
    const body = plainMail({ from, text: "See attached." });
    const delivery = await deliverMail(body, { from, to: INBOX }, { rawSize: 30 * 1024 * 1024 });
    expect(delivery.rejected).toMatch(/30 MB.*up to 20 MB/);
    expect(delivery.replies).toHaveLength(0);
    expect(await rowsFrom(from)).toHaveLength(0);
    expect((await env.FILES.list({ prefix: "mail/pending/" })).objects.every((o) => !o.key.includes(from))).toBe(true);
  });

  it("rejects empty messages, unknown mailboxes and too many attachments with a human reason", async () => {
    expect((await deliverMail(fixture("empty.eml"), { from: "someone@example.com", to: INBOX })).rejected).toMatch(
      /no text or attachments/,
    );
    const from = unique("lost");
    expect(
      (
        await deliverMail(plainMail({ from, to: "sales@statex.localhost", text: "hi" }), {
          from,
          to: "sales@statex.localhost",
        })
      ).rejected,
    ).toMatch(/no mailbox sales@statex\.localhost/);
    const boundary = "b1";
    const parts = Array.from({ length: 11 }, (_, i) =>
      [
        `--${boundary}`,
        `Content-Type: text/plain; name="n${i}.txt"`,
        `Content-Disposition: attachment; filename="n${i}.txt"`,
        "",
        `note ${i}`,
      ].join("\r\n"),
    );
    const many = [
      `From: ${from}`,
      `To: ${INBOX}`,
      "Subject: many",
      `Message-ID: <${crypto.randomUUID()}@client.example>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain",
      "",
      "Read these.",
      ...parts,
      `--${boundary}--`,
      "",
    ].join("\r\n");
    expect((await deliverMail(many, { from, to: INBOX })).rejected).toMatch(/11 attachments.*up to 4/);
  });

  it("bounds the acknowledgements one address can make us send", async () => {
    const from = unique("flood");
    const deliveries = [];
    for (let i = 0; i < 5; i++)
      deliveries.push(await deliverMail(plainMail({ from, text: `Request ${i}` }), { from, to: INBOX }));
    expect(deliveries.map((d) => d.replies.length)).toEqual([1, 1, 1, 0, 0]);
    expect((await rowsFrom(from)).map((r) => r.status)).toEqual([
      "pending",
      "pending",
      "pending",
      "ignored",
      "ignored",
    ]);
  });

  it("answers through send_email when message.reply is not allowed (no Message-ID)", async () => {
    const delivery = await deliverMail(fixture("no-message-id.eml"), { from: "legacy-system@example.com", to: INBOX });
    expect(delivery.rejected).toBeNull();
    expect(delivery.replies).toHaveLength(0);
    const [row] = await rowsFrom("legacy-system@example.com");
    expect(row?.status).toBe("pending");
    const mail = await sentMailTo("legacy-system@example.com");
    expect(mail.text).toContain("/email/confirm/");
    expect(mail.from?.address).toBe("results@statex.localhost");
  });
});

describe("the corpus: every message becomes a request, a threaded reply or a clean rejection", () => {
  const expected: Record<string, { from: string; status: string; text?: RegExp; notText?: RegExp }> = {
    "gmail-alternative.eml": {
      from: "jana.novakova@example.cz",
      status: "pending",
      text: /^Dobrý den,\n\nprosím o shrnutí naší smlouvy o podpoře: jaké jsou reakční doby a co když je nedodržíte\?\n\nDíky,\nJana$/,
    },
    "outlook-related.eml": {
      from: "petr.dvorak@example.com",
      status: "pending",
      text: /99\.9% uptime promise includes planned maintenance/,
      notText: /Old quoted text|image001/,
    },
    "apple-mixed-attachment.eml": {
      from: "eva@example.org",
      status: "pending",
      text: /^Please check the attached invoice against our price list and list any differences\.$/,
    },
    "seznam-iso-8859-2.eml": {
      from: "karel.cerny@seznam.cz",
      status: "pending",
      text: /reklamačním řádu: lhůta pro vyřízení je 30 dní/,
      notText: /napsal|Výsledek je níže/,
    },
    "gmail-forwarded.eml": {
      from: "ops@example.com",
      status: "pending",
      text: /draft the key points\?[\s\S]*My order 4411 arrived nine days late/,
    },
    "malformed-boundary.eml": {
      from: "broken@example.com",
      status: "pending",
      text: /^Please summarise: the meeting moved to Thursday and the budget is frozen until January\.$/,
    },
    "no-message-id.eml": { from: "legacy-system@example.com", status: "pending" },
    "auto-reply.eml": { from: "martin@example.com", status: "ignored" },
    "newsletter-bulk.eml": { from: "news@example.com", status: "ignored" },
    "own-loop.eml": { from: "results@statex.localhost", status: "ignored" },
    // They quote messages we never sent: recorded, trusted for nothing (test/forged-bounce.test.ts).
    "bounce-dsn.eml": { from: "mailer-daemon@mx.example.net", status: "ignored" },
    "complaint-arf.eml": { from: "fbl@example.net", status: "ignored" },
    "empty.eml": { from: "someone@example.com", status: "rejected" },
  };

  it("covers every file in test/fixtures/mail", () => {
    expect(Object.keys(fixtures).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, want] of Object.entries(expected)) {
    it(`${name} → ${want.status}`, async () => {
      const delivery = await deliverMail(fixture(name), { from: want.from, to: INBOX });
      expect(delivery.threw).toBeNull();
      const [row] = await rowsFrom(want.from);
      expect(row?.status).toBe(want.status);
      if (want.status === "rejected") expect(delivery.rejected).toBeTruthy();
      else expect(delivery.rejected).toBeNull();
      if (want.status !== "pending") return;
      // The confirmed request carries the cleaned text.
      const ack =
        delivery.replies.length > 0
          ? await parseReply(delivery)
          : await PostalMime.parse(
              await (await env.SENT_MAIL.fetch(`http://sent/?to=${encodeURIComponent(want.from)}`)).text(),
            );
      await confirm(confirmPath(ack.text));
      const [done] = await rowsFrom(want.from);
      const input = (await (await env.FILES.get(`inputs/${done?.submission_id}.json`))?.json()) as { text: string };
      if (want.text) expect(input.text).toMatch(want.text);
      if (want.notText) expect(input.text).not.toMatch(want.notText);
    });
  }
});

describe("what inbound mail leaves behind", () => {
  it("an unconfirmed request expires with its link: the raw message goes and the link no longer confirms", async () => {
    const from = unique("forgetful");
    const ack = await parseReply(await deliverMail(plainMail({ from, text: "Summarise later." }), { from, to: INBOX }));
    const [row] = await rowsFrom(from);
    expect(await env.FILES.head(row?.raw_key ?? "")).not.toBeNull();
    const result = await sweepInbound(env, Date.now() + 8 * 86_400_000);
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const [after] = await rowsFrom(from);
    expect(after?.status).toBe("expired");
    expect(await env.FILES.head(row?.raw_key ?? "")).toBeNull();
    const res = await exports.default.fetch(`${BASE}${confirmPath(ack.text)}`, { method: "POST" });
    expect(res.status).toBe(404);
    expect((await rowsFrom(from))[0]?.submission_id).toBeNull();
  });

  it("deleting an account removes its conversations, its messages in R2 and anything pending from its address", async () => {
    const from = unique("leaver");
    const ack = await parseReply(await deliverMail(plainMail({ from, text: "Summarise this." }), { from, to: INBOX }));
    await confirm(confirmPath(ack.text));
    await deliverMail(plainMail({ from, text: "A second, unconfirmed one." }), { from, to: INBOX });
    const rows = await rowsFrom(from);
    expect(rows.map((r) => r.status)).toEqual(["accepted", "pending"]);
    await waitForStatus(rows[0]?.submission_id ?? "", ["completed"]);
    await deleteAccount(env, rows[0]?.user_id ?? "", createLogger({ correlationId: "t" }));
    expect(await rowsFrom(from)).toHaveLength(0);
    for (const r of rows) expect(await env.FILES.head(r.raw_key ?? "none")).toBeNull();
    const thread = await env.DB.prepare("SELECT count(*) AS n FROM email_threads WHERE submission_id = ?")
      .bind(rows[0]?.submission_id)
      .first<{ n: number }>();
    expect(thread?.n).toBe(0);
  });
});

describe("signed result links (for results too large to mail)", () => {
  it("serve the sanitised result without signing in, and refuse tampered or expired links", async () => {
    const from = unique("reader");
    const ack = await parseReply(
      await deliverMail(plainMail({ from, text: "Summarise <script>alert(1)</script> this." }), { from, to: INBOX }),
    );
    await confirm(confirmPath(ack.text));
    const [row] = await rowsFrom(from);
    const id = row?.submission_id ?? "";
    await waitForStatus(id, ["completed"]);
    const link = await resultLink(env, id);
    const page = await exports.default.fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("private, no-store");
    const html = await page.text();
    expect(html).toContain(`Result of request ${id}`);
    expect(html).not.toContain("<script>alert(1)</script>");
    const md = await exports.default.fetch(`${link}?format=md`);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await md.text()).toBe(await (await env.FILES.get(`results/${id}.md`))?.text());

    const tampered = link.replace(/.$/, (ch) => (ch === "A" ? "B" : "A"));
    expect((await exports.default.fetch(tampered)).status).toBe(400);
    const old = await resultLink(env, id, Date.now() - 15 * 86_400_000);
    expect((await exports.default.fetch(old)).status).toBe(410);
    const other = await resultLink(env, "sub_01JF000000000000000000NONE");
    expect((await exports.default.fetch(other)).status).toBe(404);
  });
});

describe("attachments become the request's files", () => {
  function withAttachments(
    from: string,
    text: string,
    parts: { name: string; type: string; body: string | Uint8Array }[],
  ) {
    const boundary = `b-${crypto.randomUUID()}`;
    const b64 = (body: string | Uint8Array) => {
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
      let bin = "";
      for (const byte of bytes) bin += String.fromCharCode(byte);
      return (btoa(bin).match(/.{1,76}/g) ?? []).join("\r\n");
    };
    return [
      `From: ${from}`,
      `To: ${INBOX}`,
      "Subject: With files",
      `Message-ID: <${crypto.randomUUID()}@client.example>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      text,
      ...parts.flatMap((p) => [
        `--${boundary}`,
        `Content-Type: ${p.type}; name="${p.name}"`,
        `Content-Disposition: attachment; filename="${p.name}"`,
        "Content-Transfer-Encoding: base64",
        "",
        b64(p.body),
      ]),
      `--${boundary}--`,
      "",
    ].join("\r\n");
  }

  it("stores usable attachments under the confirmed request, with checksums, and the job reads them", async () => {
    const from = unique("files");
    const notes = "Minutes: the supplier contract renews on 1 March; notice period is 60 days.";
    const delivery = await deliverMail(
      withAttachments(from, "Summarise the attached minutes.", [
        { name: "minutes.txt", type: "text/plain", body: notes },
      ]),
      { from, to: INBOX },
    );
    await confirm(confirmPath((await parseReply(delivery)).text));
    const [row] = await rowsFrom(from);
    const id = row?.submission_id ?? "";
    const { results: files } = await env.DB.prepare(
      "SELECT name, content_type, size, sha256, key AS r2_key FROM submission_files WHERE submission_id = ?",
    )
      .bind(id)
      .all<{ name: string; content_type: string; size: number; sha256: string; r2_key: string }>();
    expect(files.map((f) => [f.name, f.content_type, f.size])).toEqual([["minutes.txt", "text/plain", notes.length]]);
    const object = await env.FILES.get(files[0]?.r2_key ?? "");
    expect(await object?.text()).toBe(notes);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(notes)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(files[0]?.sha256).toBe(digest);
    await waitForStatus(id, ["completed"]);
  });

  it("says in the acknowledgement how many attachments it cannot use and why, naming none, and leaves them out", async () => {
    const from = unique("mixedfiles");
    const exe = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]);
    const delivery = await deliverMail(
      withAttachments(from, "Check these.", [
        { name: "tool.exe", type: "application/x-msdownload", body: exe },
        { name: "fake.pdf", type: "application/pdf", body: "not a pdf at all" },
        { name: "ok.md", type: "text/markdown", body: "# Notes\n\nAll fine." },
      ]),
      { from, to: INBOX },
    );
    const ack = await parseReply(delivery);
    expect(ack.text).toContain("We cannot use 2 attachments: not of an accepted type");
    // File names are the (unconfirmed) sender's text: an acknowledgement repeats none of it.
    expect(ack.text).not.toContain("tool.exe");
    expect(ack.text).not.toContain("fake.pdf");
    await confirm(confirmPath(ack.text));
    const [row] = await rowsFrom(from);
    const { results } = await env.DB.prepare("SELECT name FROM submission_files WHERE submission_id = ?")
      .bind(row?.submission_id)
      .all<{ name: string }>();
    expect(results.map((r) => r.name)).toEqual(["ok.md"]);
  });

  it("rejects a message whose only content is attachments it cannot use, saying why", async () => {
    const from = unique("badfiles");
    const big = new TextEncoder().encode("x".repeat(70 * 1024));
    const delivery = await deliverMail(
      withAttachments(from, "", [{ name: "huge.txt", type: "text/plain", body: big }]),
      { from, to: INBOX },
    );
    expect(delivery.rejected).toMatch(/cannot use any attachment.*huge\.txt is larger than/);
    expect(delivery.replies).toHaveLength(0);
  });

  it("a message with attachments and no text uses its subject as the request", async () => {
    const from = unique("subjectonly");
    const raw = withAttachments(from, "", [{ name: "a.txt", type: "text/plain", body: "Some notes." }]);
    const delivery = await deliverMail(raw, { from, to: INBOX });
    await confirm(confirmPath((await parseReply(delivery)).text));
    const [row] = await rowsFrom(from);
    const input = (await (await env.FILES.get(`inputs/${row?.submission_id}.json`))?.json()) as {
      text: string;
      files: { name: string }[];
    };
    expect(input.text).toBe("With files");
    expect(input.files.map((f) => f.name)).toEqual(["a.txt"]);
  });
});
