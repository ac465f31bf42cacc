import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { deliverMail, fillAckCap, plainMail } from "./helpers/mail";

const INBOX = "requests@statex.localhost";
const BASE = "http://127.0.0.1:8787";
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;

async function rowsFrom(sender: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, status, reason, submission_id, acked_at FROM inbound_emails WHERE sender = ? ORDER BY created_at, id",
  )
    .bind(sender)
    .all<{
      id: string;
      status: string;
      reason: string | null;
      submission_id: string | null;
      acked_at: number | null;
    }>();
  return results;
}

async function confirmFrom(text: string | undefined) {
  const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(text ?? "")?.[1];
  expect(path, "the acknowledgement carries a confirmation link").toBeTruthy();
  return exports.default.fetch(`${BASE}${path}`, { method: "POST" });
}

async function requestText(submissionId: string | null | undefined) {
  const input = (await (await env.FILES.get(`inputs/${submissionId}.json`))?.json()) as { text: string };
  return input.text;
}

describe("a request written only in the Subject", () => {
  it("is accepted and acknowledged when the body is empty, and the subject becomes the request", async () => {
    const from = unique("subject-only");
    const delivery = await deliverMail(plainMail({ from, subject: "Need a CRM for 5 people, ASAP", text: "" }), {
      from,
      to: INBOX,
    });
    expect(delivery.rejected).toBeNull();
    expect(delivery.replies).toHaveLength(1);
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    expect(ack.subject).toBe("Re: Need a CRM for 5 people, ASAP");
    expect((await confirmFrom(ack.text)).status).toBe(200);
    const [row] = await rowsFrom(from);
    expect(row?.status).toBe("accepted");
    expect(await requestText(row?.submission_id)).toBe("Need a CRM for 5 people, ASAP");
  });

  it("an empty body with an empty subject is still refused, saying why", async () => {
    const from = unique("nothing");
    const delivery = await deliverMail(plainMail({ from, subject: "", text: "" }), { from, to: INBOX });
    expect(delivery.rejected).toMatch(/no text or attachments/);
    expect(delivery.replies).toHaveLength(0);
    expect((await rowsFrom(from))[0]?.status).toBe("rejected");
  });
});

describe("acknowledgements to an unconfirmed sender", () => {
  it("quote none of the body, only the subject", async () => {
    const from = unique("victim");
    const delivery = await deliverMail(
      plainMail({
        from,
        subject: "Quarterly numbers",
        text: "Your account is locked. Call +1 555 0100 or visit http://evil.example/reset now.",
      }),
      { from, to: INBOX },
    );
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    for (const body of [ack.text ?? "", ack.html ?? ""]) {
      expect(body).toContain("Quarterly numbers");
      expect(body).not.toMatch(/evil\.example|555 0100|account is locked/);
    }
  });

  it("carry a long or multi-line subject only shortened, on one line", async () => {
    const from = unique("longsubject");
    const subject = `Summarise ${"very ".repeat(100)}\r\n long`;
    const delivery = await deliverMail(plainMail({ from, subject, text: "x" }), { from, to: INBOX });
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    const line = (ack.text ?? "").split("\n").find((l) => l.startsWith("Your request"));
    expect(line?.length).toBeLessThan(260);
    expect(line).toContain("Summarise very");
    expect(ack.subject?.length).toBeLessThan(210);
    expect(ack.subject?.startsWith("Re: Summarise very")).toBe(true);
  });

  it("name no attachment the sender chose, only how many could not be used and why", async () => {
    const from = unique("badname");
    const boundary = `b-${crypto.randomUUID()}`;
    const raw = [
      `From: ${from}`,
      `To: ${INBOX}`,
      "Subject: With a file",
      `Message-ID: <${crypto.randomUUID()}@client.example>`,
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Check this.",
      `--${boundary}`,
      'Content-Type: application/x-msdownload; name="Call 555-0100 to unlock your account.exe"',
      'Content-Disposition: attachment; filename="Call 555-0100 to unlock your account.exe"',
      "Content-Transfer-Encoding: base64",
      "",
      btoa("MZ\x90\x00\x03\x00\x00\x00"),
      `--${boundary}--`,
      "",
    ].join("\r\n");
    const delivery = await deliverMail(raw, { from, to: INBOX });
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    expect(ack.text).toContain("We cannot use one attachment");
    expect(ack.text).not.toContain("555-0100");
    expect(ack.html).not.toContain("555-0100");
  });
});

describe("the platform-wide hourly cap of unconfirmed acknowledgements", () => {
  // Last in the file: it fills this file's database with an hour's worth of acknowledgements.
  it("past the cap, a new unconfirmed request is refused with a reason, recorded, and not answered", async () => {
    const first = unique("before-cap");
    const ok = await deliverMail(plainMail({ from: first, text: "Summarise A." }), { from: first, to: INBOX });
    expect(ok.replies).toHaveLength(1);
    expect((await rowsFrom(first))[0]?.acked_at).not.toBeNull();

    // Earlier acknowledgements of the last hour, as many as the cap allows (forged senders).
    await fillAckCap("seed", INBOX);

    const late = unique("after-cap");
    const refused = await deliverMail(plainMail({ from: late, text: "Summarise B." }), { from: late, to: INBOX });
    expect(refused.replies).toHaveLength(0);
    expect(refused.rejected).toMatch(/unusually many new requests by email.*try again/i);
    const [row] = await rowsFrom(late);
    expect(row?.status).toBe("rejected");
    expect(row?.reason).toMatch(/acknowledgement cap/);
    expect(row?.acked_at).toBeNull();

    // A rejection decides nothing lasting: the same message, once the hour has passed, is judged again.
    await env.DB.prepare("UPDATE inbound_emails SET acked_at = acked_at - 3600001 WHERE acked_at IS NOT NULL").run();
    const again = await deliverMail(plainMail({ from: late, text: "Summarise B." }), { from: late, to: INBOX });
    expect(again.replies).toHaveLength(1);
  });
});
