import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { notificationRows, readSentEmail, waitForStatus } from "./helpers/api";
import { deliverMail, plainMail } from "./helpers/mail";

const INBOX = "requests@statex.localhost";

describe("notifications about a request that came by email", () => {
  it("answer in the sender's thread: Re: subject, In-Reply-To, References and the request's signed Reply-To", async () => {
    const from = `threaded-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const messageId = `${crypto.randomUUID()}@client.example`;
    const delivery = await deliverMail(
      plainMail({ from, subject: "Supplier prices", text: "Summarise: the supplier raised prices by 8%.", messageId }),
      { from, to: INBOX },
    );
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(ack.text ?? "")?.[1] ?? "";
    expect((await exports.default.fetch(`http://127.0.0.1:8787${path}`, { method: "POST" })).status).toBe(200);
    const row = await env.DB.prepare("SELECT submission_id FROM inbound_emails WHERE sender = ?")
      .bind(from)
      .first<{ submission_id: string }>();
    const id = row?.submission_id ?? "";
    await waitForStatus(id, ["completed"]);

    const [sent] = await notificationRows(id);
    expect(sent).toMatchObject({ channel: "email", status: "sent", recipient: from });
    const { email } = await readSentEmail(sent?.provider_message_id ?? "");
    expect(email.subject).toBe("Re: Supplier prices");
    expect(email.inReplyTo).toBe(`<${messageId}>`);
    expect(email.references).toContain(`<${messageId}>`);
    // The request's own signed address (the acknowledgement's named the conversation before
    // there was a request): an answer to the result joins this request's thread.
    expect(email.replyTo?.[0]?.address).toMatch(
      new RegExp(`^requests\\+${id.toLowerCase()}\\.[0-9a-z]+\\.[a-z2-7]{16}@`),
    );
    expect(email.replyTo?.[0]?.address).not.toBe(ack.replyTo?.[0]?.address);
    expect(email.text).toContain("supplier");
    // Our result is now the thread's latest message: the next mail answers it.
    const thread = await env.DB.prepare(
      'SELECT in_reply_to, "references" AS refs FROM email_threads WHERE submission_id = ?',
    )
      .bind(id)
      .first<{ in_reply_to: string; refs: string }>();
    expect(thread?.in_reply_to).toBe(sent?.provider_message_id?.replace(/^<|>$/g, ""));
    expect(thread?.refs).toContain(`<${messageId}>`);
  });
});
