import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { suppress } from "../shared/notifications/suppression";
import worker from "../workers/index";
import { api, apiKeyFor, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";
import { drainQueue } from "./helpers/queues";

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
  const res = await api(await apiKeyFor(email), "PUT", "/v1/notifications/preferences", {
    preferences: [{ event: "digest.daily", channel: "email", enabled: true }],
  });
  expect(res.status).toBe(200);
}

async function runCron(now: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: now }), env, ctx);
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
    // 07:05 UTC today: the digest hour of users in UTC (the default time zone).
    const now = Math.floor(Date.now() / DAY) * DAY + 7 * 3600_000 + 5 * 60_000;
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
    const again = await drainQueue("statex-notifications", env.NOTIFICATIONS, () => runCron(now + 60_000));
    expect(again.retried).toEqual([]);
    expect((await digestRows()).map((r) => [r.status, r.attempts])).toEqual([
      ["suppressed", 0],
      ["sent", 1],
    ]);
  });

  it("goes out at 07:00 in each user's own time zone, listing their own previous local day", async () => {
    await wantsDigest("tokyo@example.com");
    await env.DB.prepare("UPDATE users SET time_zone = 'Asia/Tokyo' WHERE email = 'tokyo@example.com'").run();
    // 22:10 UTC is 07:10 the next day in Tokyo (UTC+9, no DST).
    const utcMidnight = Math.floor(Date.now() / DAY) * DAY;
    const tokyoSeven = utcMidnight + 22 * 3600_000 + 10 * 60_000;
    const tokyoYesterday = new Date(tokyoSeven + 9 * 3600_000 - DAY).toISOString().slice(0, 10);
    // Completed at 23:30 on Tokyo's previous day (14:30 UTC): inside its local day, though not
    // inside the previous UTC day.
    const res = await postSubmission({
      text: "Summarise the Tokyo office's week. Two hires.",
      email: "tokyo@example.com",
    });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    await env.DB.prepare("UPDATE submissions SET completed_at = ? WHERE id = ?")
      .bind(Date.parse(`${tokyoYesterday}T23:30:00+09:00`), id)
      .run();

    // At 07:05 UTC it is 16:05 in Tokyo: nothing for this user.
    const early = await drainQueue("statex-notifications", env.NOTIFICATIONS, () =>
      runCron(utcMidnight + 7 * 3600_000 + 5 * 60_000),
    );
    expect(early.retried).toEqual([]);
    expect((await digestRows()).filter((r) => r.email === "tokyo@example.com")).toEqual([]);

    await runCron(tokyoSeven);
    const row = await vi.waitFor(
      async () => {
        const r = (await digestRows()).find((x) => x.email === "tokyo@example.com");
        if (!r || r.status !== "sent") throw new Error("not yet");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(row.id).toMatch(new RegExp(`^digest_${tokyoYesterday}_.+:digest\\.daily:email$`));
    const { email } = await readSentEmail(row.provider_message_id ?? "");
    expect(email.subject).toBe(`Your StateX results of ${tokyoYesterday} (1)`);
    expect(email.text).toContain(id);
  });
});

describe("the staff digest", () => {
  it("lists every customer's requests of the previous day, with desk links, to staff who chose it; never to a user", async () => {
    const now = Math.floor(Date.now() / DAY) * DAY + 7 * 3600_000 + 10 * 60_000;
    const choose = async (email: string, role: "user" | "staff") => {
      const res = await api(await apiKeyFor(email, { role }), "PUT", "/v1/notifications/preferences", {
        preferences: [{ event: "staff.digest", channel: "email", enabled: true }],
      });
      return res.status;
    };
    expect(await choose("staff-digest@example.com", "staff")).toBe(200);
    // A user who stores the choice anyway is never sent it: the digest goes to staff roles only.
    await choose("user-digest@example.com", "user");
    const arrived = await completedYesterday("customer-a@example.com", now);
    await env.DB.prepare("UPDATE submissions SET created_at = ? WHERE id = ?")
      .bind(now - DAY, arrived)
      .run();

    await runCron(now);
    const row = await vi.waitFor(
      async () => {
        const r = await env.DB.prepare(
          "SELECT n.id, n.status, n.provider_message_id, u.email FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.event = 'staff.digest'",
        ).all<{ id: string; status: string; provider_message_id: string | null; email: string }>();
        const sent = r.results.find((x) => x.status === "sent");
        if (!sent) throw new Error("not yet");
        expect(r.results.map((x) => x.email)).toEqual(["staff-digest@example.com"]);
        return sent;
      },
      { timeout: 10_000, interval: 50 },
    );
    const { email } = await readSentEmail(row.provider_message_id ?? "");
    expect(email.subject).toMatch(/^New StateX requests of \d{4}-\d{2}-\d{2} \(\d+\)$/);
    expect(email.text).toContain(`/app/desk/${arrived}`);
    expect(email.text).toContain("customer-a@example.com");
  });
});
