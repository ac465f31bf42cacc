import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../workers/index";
import { suppress } from "../workers/notifications/suppression";
import { apiKeyFor, BASE, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";

const DAY = 24 * 3600_000;

async function completedYesterday(email: string, now: number) {
  const res = await postSubmission({ text: "Summarise the supplier review. Deliveries were late twice.", email });
  const { id } = await res.json<{ id: string }>();
  await waitForStatus(id, ["completed"]);
  await env.DB.prepare("UPDATE submissions SET completed_at = ? WHERE id = ?")
    .bind(now - DAY, id)
    .run();
  return id;
}

async function wantsDigest(email: string) {
  const key = await apiKeyFor(email);
  const res = await exports.default.fetch(`${BASE}/v1/notifications/preferences`, {
    method: "PUT",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ preferences: [{ event: "digest.daily", channel: "email", enabled: true }] }),
  });
  expect(res.status).toBe(200);
}

async function runCron(now: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "0 7 * * *", scheduledTime: now }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const digestRows = async () =>
  (
    await env.DB.prepare(
      "SELECT n.id, n.status, n.attempts, n.provider_message_id, u.email FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.event = 'digest.daily' ORDER BY u.email",
    ).all<{ id: string; status: string; attempts: number; provider_message_id: string | null; email: string }>()
  ).results;

describe("the daily digest", () => {
  it("mails each subscriber one list of yesterday's results, once per day, honouring suppression", async () => {
    const now = Date.now();
    await wantsDigest("digest@example.com");
    await wantsDigest("digest-bounced@example.com");
    await suppress(env, {
      channel: "email",
      address: "digest-bounced@example.com",
      reason: "hard_bounce",
      source: "test",
    });
    const a = await completedYesterday("digest@example.com", now);
    const b = await completedYesterday("digest@example.com", now);
    await completedYesterday("digest-bounced@example.com", now);
    // Not subscribed: no digest.
    await completedYesterday("no-digest@example.com", now);

    await runCron(now);
    const rows = await vi.waitFor(
      async () => {
        const r = await digestRows();
        if (r.length !== 2 || r.some((x) => x.status === "queued" || x.status === "sending"))
          throw new Error("not yet");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    const day = new Date(now - DAY).toISOString().slice(0, 10);
    expect(rows.map((r) => [r.email, r.status])).toEqual([
      ["digest-bounced@example.com", "suppressed"],
      ["digest@example.com", "sent"],
    ]);
    expect(rows[1]?.id).toMatch(new RegExp(`^digest_${day}_.+:digest\\.daily:email$`));
    const { email } = await readSentEmail(rows[1]?.provider_message_id ?? "");
    expect(email.subject).toBe(`Your StateX results of ${day} (2)`);
    expect(email.text).toContain(a);
    expect(email.text).toContain(b);

    // The same day again (a retried cron run): nothing new is sent.
    await runCron(now + 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await digestRows()).map((r) => [r.status, r.attempts])).toEqual([
      ["suppressed", 0],
      ["sent", 1],
    ]);
  });
});
