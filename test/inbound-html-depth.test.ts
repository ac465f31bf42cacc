import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { deliverMail } from "./helpers/mail";

const INBOX = "requests@statex.localhost";

describe("an HTML-only request nested 200,000 tags deep", () => {
  it("is acknowledged and, once confirmed, becomes a request with its words, instead of an error on our side", async () => {
    const from = `deep-html-${crypto.randomUUID().slice(0, 8)}@example.com`;
    // 1 MB of unclosed tags: htmlparser2 (under html-to-text) costs its depth per tag, then overflows.
    const html = `<html><body>${"<div>".repeat(200_000)}Please quote forty pallets of shrink wrap.</body></html>`;
    const raw = [
      `From: ${from}`,
      `To: ${INBOX}`,
      "Subject: Deep markup",
      `Message-ID: <${crypto.randomUUID()}@client.example>`,
      "MIME-Version: 1.0",
      'Content-Type: text/html; charset="utf-8"',
      "",
      html,
      "",
    ].join("\r\n");
    const delivery = await deliverMail(raw, { from, to: INBOX });
    expect(delivery.threw).toBeNull();
    expect(delivery.rejected).toBeNull();
    expect(delivery.replies).toHaveLength(1);
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(ack.text ?? "")?.[1];
    expect(path).toBeTruthy();
    expect((await exports.default.fetch(`http://127.0.0.1:8787${path}`, { method: "POST" })).status).toBe(200);
    const row = await env.DB.prepare("SELECT status, submission_id FROM inbound_emails WHERE sender = ?")
      .bind(from)
      .first<{ status: string; submission_id: string }>();
    expect(row?.status).toBe("accepted");
    const input = (await (await env.FILES.get(`inputs/${row?.submission_id}.json`))?.json()) as { text: string };
    expect(input.text).toContain("Please quote forty pallets of shrink wrap.");
  });
});
