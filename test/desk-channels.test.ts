/**
 * One thread across channels, in the Workers runtime with real mail: a staff reply reaches the
 * customer through the engine, in the request's mail thread with its signed reply address; the
 * customer's mailed answer (quotes stripped, attachments kept) and portal message land in the
 * same thread and tell the assignee or staff; mail from anyone else, or to a forged or altered
 * address, never enters a thread; the customer's page never shows a note.
 */
import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { deliverReply } from "../shared/desk/deliver";
import { postMessage } from "../shared/desk/messages";
import { sendReply } from "../shared/desk/reply";
import { assign } from "../shared/desk/state";
import { createLogger } from "../shared/log";
import { requestAddress } from "../shared/mail/address";
import { compile, type StepCounter } from "../shared/mail/linear-match";
import {
  FORWARD_MARKER_PATTERN,
  parseMail,
  QUOTE_HEADER_PATTERNS,
  QUOTE_SCAN_CHARS,
  SIGNATURE_PATTERNS,
} from "../shared/mail/parse";
import { createUser } from "../workers/auth/service";
import { apiKeyFor, notificationRows, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";
import { hiddenField } from "./helpers/client";
import { minimalPdf } from "./helpers/files";
import { deliverMail, plainMail } from "./helpers/mail";
import { drainQueue } from "./helpers/queues";
import { signedInAs } from "./helpers/session";

const log = createLogger({ correlationId: "desk-channels-test" });
let counter = 0;
const unique = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;
const bare = (id: string | null | undefined) => (id ?? "").replace(/^<|>$/g, "");

async function staffMember(): Promise<string> {
  const user = await createUser(db(env.DB), { email: unique("staff"), role: "staff", verified: true });
  if (!user) throw new Error("no staff");
  return user.id;
}

/** A completed API request of `email`, whose result mail started the thread. */
async function answeredRequest(email: string) {
  const res = await postSubmission({ text: "How long does a small website take?", email });
  const { id } = await res.json<{ id: string }>();
  await waitForStatus(id, ["completed"]);
  const [result] = await notificationRows(id);
  expect(result).toMatchObject({ event: "submission.completed", status: "sent" });
  return { id, resultMail: await readSentEmail(result?.provider_message_id ?? "") };
}

/** Sends a staff reply and runs its delivery (the `notify.reply` consumer) to the end. */
async function replyAndDeliver(submissionId: string, authorId: string, body: string) {
  let messageId = "";
  await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
    const { message } = await sendReply(
      env,
      { submissionId, authorId, body, clientKey: crypto.randomUUID(), correlationId: "c-reply" },
      log,
    );
    messageId = message.id;
  });
  const row = await env.DB.prepare("SELECT status, provider_message_id FROM notifications WHERE id = ?")
    .bind(`${submissionId}_${messageId}:submission.replied:email`)
    .first<{ status: string; provider_message_id: string }>();
  expect(row?.status).toBe("sent");
  return { messageId, mail: await readSentEmail(row?.provider_message_id ?? "") };
}

const messagesOf = (submissionId: string) =>
  env.DB.prepare(
    "SELECT id, kind, channel, body, file_ids, email_message_id FROM submission_messages WHERE submission_id = ? ORDER BY id",
  )
    .bind(submissionId)
    .all<{
      id: string;
      kind: string;
      channel: string;
      body: string;
      file_ids: string | null;
      email_message_id: string | null;
    }>()
    .then((r) => r.results);

/** A reply with a PDF attached, as a mail client writes it. */
function answerWithPdf(m: { from: string; to: string; inReplyTo: string; text: string; messageId: string }) {
  const pdf = btoa(String.fromCharCode(...minimalPdf("Second quote")));
  return [
    `From: ${m.from}`,
    `To: ${m.to}`,
    "Subject: Re: Your StateX result",
    `Message-ID: <${m.messageId}>`,
    `In-Reply-To: <${m.inReplyTo}>`,
    `References: <${m.inReplyTo}>`,
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    'Content-Type: text/plain; charset="utf-8"',
    "",
    m.text,
    "--b1",
    'Content-Type: application/pdf; name="quote.pdf"',
    'Content-Disposition: attachment; filename="quote.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    pdf,
    "--b1--",
    "",
  ].join("\r\n");
}

describe("a staff reply reaches the customer", () => {
  it("by email in the request's thread: Re:, In-Reply-To and References the chain, the signed Reply-To; one delivery per reply", async () => {
    const email = unique("portal-customer");
    const { id, resultMail } = await answeredRequest(email);
    // The first mail about an API request starts its thread, with the request's signed address.
    const address = resultMail.email.replyTo?.[0]?.address ?? "";
    expect(address).toMatch(
      new RegExp(`^requests\\+${id.toLowerCase()}\\.[0-9a-z]+\\.[a-z2-7]{16}@statex\\.localhost$`),
    );
    const staff = await staffMember();

    const first = await replyAndDeliver(id, staff, "It takes **two weeks**.");
    expect(first.mail.email.subject).toBe(`Re: ${resultMail.email.subject}`);
    expect(first.mail.email.inReplyTo).toBe(resultMail.email.messageId);
    expect(first.mail.email.references).toContain(resultMail.email.messageId ?? "?");
    expect(first.mail.email.replyTo?.[0]?.address).toBe(address);
    expect(first.mail.email.text).toContain("It takes **two weeks**.");
    expect(first.mail.email.html).toContain("<strong>two weeks</strong>");
    const [written] = (await messagesOf(id)).filter((m) => m.id === first.messageId);
    expect(written?.email_message_id).toBe(bare(first.mail.email.messageId));

    const second = await replyAndDeliver(id, staff, "And one more thing.");
    expect(second.mail.email.inReplyTo).toBe(first.mail.email.messageId);
    expect(second.mail.email.references).toContain(resultMail.email.messageId ?? "?");
    expect(second.mail.email.references).toContain(first.mail.email.messageId ?? "?");

    // A redelivered notify.reply sends nothing again.
    const before = await notificationRows(id);
    await drainQueue("statex-notifications", env.NOTIFICATIONS, () =>
      deliverReply(env, id, first.messageId, "c-again", log),
    );
    expect(await notificationRows(id)).toEqual(before);
    expect(before.filter((r) => r.event === "submission.replied")).toHaveLength(2);
  });
});

describe("a customer's answer by mail lands in the same thread", () => {
  it("quotes stripped, its attachment among the request's files, the request reopened, the assignee told", async () => {
    const email = unique("answering");
    const { id } = await answeredRequest(email);
    const staff = await staffMember();
    const other = await staffMember();
    await assign(db(env.DB), id, staff);
    const reply = await replyAndDeliver(id, staff, "Shall we start on Monday?");
    const address = reply.mail.email.replyTo?.[0]?.address ?? "";
    const answerId = `${crypto.randomUUID()}@client.example`;

    const drained = await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
      const delivery = await deliverMail(
        answerWithPdf({
          from: email,
          to: address,
          inReplyTo: bare(reply.mail.email.messageId),
          messageId: answerId,
          text: "Yes, Monday works. Quote attached.\r\n\r\nOn Tue, 3 Dec 2024 at 10:00, StateX <results@statex.localhost> wrote:\r\n> Shall we start on Monday?\r\n",
        }),
        { from: email, to: address },
      );
      expect(delivery.rejected).toBeNull();
    });
    const answer = (await messagesOf(id)).find((m) => m.kind === "customer");
    expect(answer).toMatchObject({
      channel: "email",
      body: "Yes, Monday works. Quote attached.",
      email_message_id: answerId,
    });
    const [fileId] = JSON.parse(answer?.file_ids ?? "[]") as string[];
    const file = await env.DB.prepare(
      "SELECT name, content_type, key FROM submission_files WHERE id = ? AND submission_id = ?",
    )
      .bind(fileId, id)
      .first<{ name: string; content_type: string; key: string }>();
    expect(file).toMatchObject({ name: "quote.pdf", content_type: "application/pdf" });
    expect(await env.FILES.head(file?.key ?? "")).not.toBeNull();
    const desk = await env.DB.prepare("SELECT desk_status FROM submissions WHERE id = ?").bind(id).first();
    expect(desk).toEqual({ desk_status: "open" });
    // The assignee is told, once; nobody else on staff.
    expect(drained.messages).toContainEqual(expect.objectContaining({ kind: "notify.customer", submissionId: id }));
    const told = await env.DB.prepare(
      "SELECT user_id, status FROM notifications WHERE submission_id = ? AND event = 'staff.customer_replied'",
    )
      .bind(id)
      .all();
    expect(told.results).toEqual([{ user_id: staff, status: "sent" }]);
    expect(told.results.some((r) => r.user_id === other)).toBe(false);

    // Redelivered: nothing written twice.
    await deliverMail(
      answerWithPdf({ from: email, to: address, inReplyTo: "x@y", messageId: answerId, text: "Yes, Monday works." }),
      { from: email, to: address },
    );
    expect((await messagesOf(id)).filter((m) => m.kind === "customer")).toHaveLength(1);

    // Our next mail answers the customer's.
    const next = await replyAndDeliver(id, staff, "Great, see you Monday.");
    expect(next.mail.email.inReplyTo).toBe(`<${answerId}>`);
    expect(next.mail.email.references).toContain(`<${answerId}>`);
  });

  it("strips a huge, pathological quoted history in linear work, keeping the customer's words", async () => {
    const quoted = `${"> ".repeat(50)}old\n`.repeat(4_000);
    const body = [
      "Short answer: yes.",
      "",
      "-----Original Message-----",
      "From: StateX <results@statex.localhost>",
      "Sent: Tuesday, 3 December 2024 10:00",
      `On ${"a ".repeat(20_000)}`,
      quoted,
    ].join("\n");
    const raw = new TextEncoder().encode(
      `From: a@example.com\r\nTo: x@statex.localhost\r\nSubject: Re: x\r\nMessage-ID: <q@example.com>\r\n\r\n${body.replace(/\n/g, "\r\n")}`,
    );
    const counter: StepCounter = { steps: 0 };
    const mail = await parseMail(raw, counter);
    expect(mail.text).toBe("Short answer: yes.");
    // The matcher's proven bound (test/mail-parse-dos.node.test.ts): per character scanned, at
    // most 2 × instructions + 1 steps a pattern; and detection scans at most QUOTE_SCAN_CHARS.
    const perChar = [...QUOTE_HEADER_PATTERNS, ...SIGNATURE_PATTERNS, FORWARD_MARKER_PATTERN].reduce(
      (sum, p) => sum + 2 * compile(p).program.length + 1,
      0,
    );
    expect(body.length).toBeGreaterThan(4 * QUOTE_SCAN_CHARS);
    expect(counter.steps).toBeLessThanOrEqual(2 * perChar * (QUOTE_SCAN_CHARS + 1));
    const plainQuotes = await parseMail(
      new TextEncoder().encode(`Subject: x\r\n\r\nMine.\r\n-- \r\nAda\r\n${"> quoted line\r\n".repeat(50_000)}`),
    );
    expect(plainQuotes.text).toBe("Mine.");
  });
});

describe("who may write to a request's address", () => {
  it("mail from another sender is not accepted into the thread: it waits as a new conversation for its own sender's confirmation", async () => {
    const email = unique("owner");
    const { id } = await answeredRequest(email);
    const address = await requestAddress(env, id);
    const stranger = unique("stranger");
    const delivery = await deliverMail(plainMail({ from: stranger, to: address, text: "Let me in." }), {
      from: stranger,
      to: address,
    });
    expect(delivery.rejected).toBeNull();
    expect(await messagesOf(id)).toEqual([]);
    const row = await env.DB.prepare("SELECT status, submission_id FROM inbound_emails WHERE sender = ?")
      .bind(stranger)
      .first();
    expect(row).toEqual({ status: "pending", submission_id: null });
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    expect(ack.text).toContain("/email/confirm/");
  });

  it("a forged, altered or expired request address joins no thread", async () => {
    const email = unique("target");
    const { id } = await answeredRequest(email);
    const { id: otherId } = await answeredRequest(email);
    const genuine = await requestAddress(env, id);
    const sig = /\.([a-z2-7]{16})@/.exec(genuine)?.[1] ?? "";
    const altered = genuine.replace(`.${sig}@`, `.${sig[0] === "a" ? "b" : "a"}${sig.slice(1)}@`);
    // Another request's id under this one's signature, and a made-up signature for it.
    const swapped = genuine.replace(id.toLowerCase(), otherId.toLowerCase());
    const forged = `requests+${otherId.toLowerCase()}.zzz.${"a".repeat(16)}@statex.localhost`;
    const expired = await requestAddress(env, id, Date.now() - 400 * 86_400_000);
    for (const to of [altered, swapped, forged, expired]) {
      const delivery = await deliverMail(plainMail({ from: email, to, text: `Sneaking in via ${to}` }), {
        from: email,
        to,
      });
      expect(delivery.threw).toBeNull();
      expect(delivery.rejected).toBeNull();
    }
    expect(await messagesOf(id)).toEqual([]);
    expect(await messagesOf(otherId)).toEqual([]);
    const { results } = await env.DB.prepare(
      "SELECT status, submission_id FROM inbound_emails WHERE sender = ? ORDER BY created_at",
    )
      .bind(email)
      .all();
    // Each became a new conversation waiting for confirmation (up to the per-sender limit of 3; the rest ignored).
    expect(results.every((r) => r.submission_id === null && (r.status === "pending" || r.status === "ignored"))).toBe(
      true,
    );
    expect(results).toHaveLength(4);
  });
});

describe("the customer's portal page", () => {
  it("shows the request, replies and their own messages — never a note — and its reply box writes once per form", async () => {
    const email = unique("page");
    const client = await signedInAs(email);
    const { id } = await answeredRequest(email);
    const staff = await staffMember();
    const d = db(env.DB);
    await postMessage(d, { submissionId: id, kind: "note", channel: "desk", authorId: staff, body: "SECRET-NOTE-42" });
    await postMessage(d, {
      submissionId: id,
      kind: "reply",
      channel: "desk",
      authorId: staff,
      body: "A *visible* reply.",
    });

    const html = await client.page(`/app/requests/${id}`);
    expect(html).toContain("How long does a small website take?");
    expect(html).toContain("<em>visible</em>");
    expect(html).not.toContain("SECRET-NOTE-42");
    const clientKey = hiddenField(html, "clientKey") ?? "";
    expect(clientKey).not.toBe("");

    const drained = await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
      for (let i = 0; i < 2; i++) {
        const res = await client.post(`/app/requests/${id}/messages`, { clientKey, body: "Thanks, go ahead." }, html);
        expect(res.status).toBe(303);
        expect(res.headers.get("location")).toBe(`/app/requests/${id}?m=message-sent`);
      }
    });
    const mine = (await messagesOf(id)).filter((m) => m.kind === "customer");
    expect(mine).toMatchObject([{ channel: "portal", body: "Thanks, go ahead." }]);
    // Nobody assigned: staff are told, once.
    expect(drained.messages.filter((m) => (m as { kind: string }).kind === "notify.customer")).toHaveLength(1);
    const told = await env.DB.prepare(
      "SELECT count(*) AS n FROM notifications WHERE submission_id = ? AND event = 'staff.customer_replied' AND user_id = ?",
    )
      .bind(id, staff)
      .first();
    expect(told).toEqual({ n: 1 });
    const after = await client.page(`/app/requests/${id}`);
    expect(after).toContain("Thanks, go ahead.");
    expect(after).not.toContain("SECRET-NOTE-42");

    // A CSRF-less post is refused and writes nothing.
    const forged = await client.post(`/app/requests/${id}/messages`, { clientKey: "k2", body: "forged", _csrf: "x" });
    expect(forged.status).toBe(403);
    expect((await messagesOf(id)).filter((m) => m.kind === "customer")).toHaveLength(1);
  });

  it("another user can neither read nor write the thread", async () => {
    const owner = unique("mine");
    await apiKeyFor(owner);
    const { id } = await answeredRequest(owner);
    const intruder = await signedInAs(unique("intruder"));
    expect((await intruder.get(`/app/requests/${id}`)).status).toBe(404);
    const home = await intruder.page("/app");
    const res = await intruder.post(`/app/requests/${id}/messages`, { clientKey: "x", body: "mine now" }, home);
    expect(res.status).toBe(404);
    expect(await messagesOf(id)).toEqual([]);
  });
});
