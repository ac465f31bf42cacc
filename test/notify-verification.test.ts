import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { chargeDelivery } from "../shared/notifications/quota";
import { suppress } from "../shared/notifications/suppression";
import { api, apiKeyFor, notificationRows, postSubmission, waitForStatus } from "./helpers/api";
import { type Captured, fakeProviders, providerOk } from "./helpers/fake-providers";
import { capturingCodes, codeIn, verifiedDestination } from "./helpers/notify";
import { signedInAs } from "./helpers/session";

afterEach(() => {
  vi.restoreAllMocks();
});

const userId = async (email: string) =>
  (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())?.id ?? "";

const twilio = (calls: Captured[]) => calls.filter((c) => c.url.startsWith("https://api.twilio.com/"));

/** A user with SMS on for completed results; the number is saved but not verified. */
async function smsUser(email: string, number: string) {
  const key = await apiKeyFor(email);
  const res = await api(key, "PUT", "/v1/notifications/preferences", {
    preferences: [{ event: "submission.completed", channel: "sms", enabled: true }],
  });
  expect(res.status).toBe(200);
  let put = new Response();
  const [code] = await capturingCodes(async () => {
    put = await api(key, "PUT", "/v1/notifications/destinations/sms", { address: number });
  });
  expect(put.status).toBe(200);
  return { key, code: code ?? "" };
}

async function completed(email: string) {
  const res = await postSubmission({ text: "Summarise the supplier review. Deliveries were late twice.", email });
  const { id } = await res.json<{ id: string }>();
  await waitForStatus(id, ["completed"]);
  return id;
}

async function waitSms(id: string, status: string) {
  return vi.waitFor(
    async () => {
      const sms = (await notificationRows(id)).find((r) => r.channel === "sms");
      if (sms?.status !== status) throw new Error(`sms row: ${sms?.status}`);
      return sms;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const lastAttempt = async (notificationId: string) =>
  env.DB.prepare(
    "SELECT status, error FROM notification_attempts WHERE notification_id = ? ORDER BY at DESC, id DESC LIMIT 1",
  )
    .bind(notificationId)
    .first<{ status: string; error: string | null }>();

/** Rows as if `n` SMS had already gone to the user today (the quota's only input). */
async function alreadySentToday(user: string, channel: string, n: number) {
  const now = Date.now();
  const statements = Array.from({ length: n }, (_, i) =>
    env.DB.prepare(
      "INSERT INTO notifications (id, user_id, event, channel, recipient, status, attempts, created_at, updated_at, sent_at, charged_at) VALUES (?, ?, 'submission.completed', ?, '+420600000000', 'sent', 1, ?, ?, ?, ?)",
    ).bind(`fixture_${crypto.randomUUID()}_${i}:submission.completed:${channel}`, user, channel, now, now, now, now),
  );
  await env.DB.batch(statements);
}

describe("ownership proof of SMS, WhatsApp and Telegram destinations", () => {
  it("sends an unverified number nothing but our code, logs the skipped delivery, and sends once verified", async () => {
    const calls = fakeProviders(providerOk);
    const { key, code } = await smsUser("verify-sms@example.com", "+420601111111");
    expect(code).toMatch(/^\d{6}$/);
    const stored = await env.DB.prepare(
      "SELECT code_hash, address FROM destination_codes WHERE user_id = ? AND channel = 'sms'",
    )
      .bind(await userId("verify-sms@example.com"))
      .first<{ code_hash: string; address: string }>();
    // Hashed at rest: the code itself is nowhere in the row.
    expect(stored?.address).toBe("+420601111111");
    expect(stored?.code_hash).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{64}$/);
    expect(stored?.code_hash).not.toContain(code);
    const prefs = await (await api(key, "GET", "/v1/notifications/preferences")).json<{
      destinations: { channel: string; verified: boolean }[];
    }>();
    expect(prefs.destinations).toEqual([{ channel: "sms", address: "+420601111111", verified: false }]);

    const first = await completed("verify-sms@example.com");
    const skipped = await waitSms(first, "suppressed");
    expect(await lastAttempt(skipped.id)).toEqual({
      status: "skipped",
      error: "destination not verified: nothing is sent until the code sent to it is entered",
    });
    expect(twilio(calls)).toEqual([]);

    const ok = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      channel: "sms",
      address: "+420601111111",
      verified: true,
      codeExpiresAt: null,
    });
    const second = await completed("verify-sms@example.com");
    await waitSms(second, "sent");
    expect(twilio(calls).map((c) => new URLSearchParams(c.body).get("To"))).toEqual(["+420601111111"]);
  });

  it("sends the code through the channel's own adapter, to the chat itself, in our words only", async () => {
    const calls = fakeProviders(providerOk);
    const key = await apiKeyFor("verify-text@example.com");
    const res = await api(key, "PUT", "/v1/notifications/destinations/telegram", { address: "777000333" });
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.url)).toEqual([
      "https://api.telegram.org/bot123456789:TEST-telegram-token-abcdefghijkl/sendMessage",
    ]);
    const body = JSON.parse(calls[0]?.body ?? "{}") as { chat_id: string; text: string };
    expect(body.chat_id).toBe("777000333");
    expect(body.text).toMatch(
      /^StateX: your code is \d{6}\. It expires in 10 minutes\. If you did not ask for it, ignore this message\.$/,
    );
    // The log shows the code's delivery, never the code.
    const log = await (await api(key, "GET", "/v1/notifications")).json<{
      items: { event: string; status: string; error: string | null }[];
    }>();
    expect(log.items).toMatchObject([{ event: "destination.verification", status: "sent", error: null }]);
    expect(JSON.stringify(log)).not.toContain(codeIn(calls[0]?.body ?? "") ?? "no code");
  });

  it("makes a changed number unverified again; the old number's code does not verify the new one", async () => {
    fakeProviders(providerOk);
    const key = await apiKeyFor("verify-change@example.com");
    await verifiedDestination(key, "sms", "+420602222222");
    // The same number again: still verified, no new code.
    const same = await capturingCodes(async () => {
      const res = await api(key, "PUT", "/v1/notifications/destinations/sms", { address: "+420602222222" });
      expect(await res.json()).toMatchObject({ verified: true, codeExpiresAt: null });
    });
    expect(same).toEqual([]);
    const [code] = await capturingCodes(async () => {
      await api(key, "PUT", "/v1/notifications/destinations/sms", { address: "+420603333333" });
    });
    const prefs = await (await api(key, "GET", "/v1/notifications/preferences")).json<{
      destinations: { verified: boolean }[];
    }>();
    expect(prefs.destinations[0]?.verified).toBe(false);
    // A code for a number set afterwards is dropped with the change.
    await env.DB.prepare(
      "UPDATE destination_codes SET sent_at = sent_at - 120000 WHERE channel = 'sms' AND user_id = ?",
    )
      .bind(await userId("verify-change@example.com"))
      .run();
    await capturingCodes(async () => {
      await api(key, "PUT", "/v1/notifications/destinations/sms", { address: "+420604444444" });
    });
    const stale = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code });
    expect(stale.status).toBe(422);
    expect(stale.headers.get("content-type")).toBe("application/problem+json");
  });

  it("uses a code up after five wrong tries, refuses an expired one, and checks the code's shape", async () => {
    fakeProviders(providerOk);
    const { key, code } = await smsUser("verify-tries@example.com", "+420605555555");
    const wrong = code === "000000" ? "111111" : "000000";
    const malformed = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code: "12ab56" });
    expect(malformed.status).toBe(422);
    for (let left = 4; left >= 1; left--) {
      const res = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code: wrong });
      expect(res.status).toBe(422);
      expect((await res.json<{ detail: string }>()).detail).toBe(
        `/code: the code is wrong; ${left} ${left === 1 ? "try" : "tries"} left`,
      );
    }
    const fifth = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code: wrong });
    expect(fifth.status).toBe(429);
    // Used up: even the right code no longer works.
    const late = await api(key, "POST", "/v1/notifications/destinations/sms/verify", { code });
    expect(late.status).toBe(429);
    expect(late.headers.get("content-type")).toBe("application/problem+json");

    const other = await smsUser("verify-expiry@example.com", "+420606666666");
    await env.DB.prepare("UPDATE destination_codes SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, await userId("verify-expiry@example.com"))
      .run();
    const expired = await api(other.key, "POST", "/v1/notifications/destinations/sms/verify", { code: other.code });
    expect(expired.status).toBe(422);
    expect((await expired.json<{ detail: string }>()).detail).toBe("/code: the code has expired; ask for a new one");
    const prefs = await (await api(other.key, "GET", "/v1/notifications/preferences")).json<{
      destinations: { verified: boolean }[];
    }>();
    expect(prefs.destinations[0]?.verified).toBe(false);
  });

  it("bounds code sends: one a minute per destination, five unconfirmed per address across accounts, ten a day per user, none to a suppressed number", async () => {
    const calls = fakeProviders(providerOk);
    const { key } = await smsUser("verify-resend@example.com", "+420607777777");
    const again = await api(key, "POST", "/v1/notifications/destinations/sms/code");
    expect(again.status).toBe(429);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(again.headers.get("retry-after"))).toBeGreaterThan(0);

    // Five accounts may each send the victim one code; the sixth cannot, and Twilio hears nothing.
    const victim = "+420608888888";
    for (let i = 0; i < 5; i++) {
      const k = await apiKeyFor(`pump-${i}@example.com`);
      expect((await api(k, "PUT", "/v1/notifications/destinations/sms", { address: victim })).status).toBe(200);
    }
    const sent = twilio(calls).length;
    const sixth = await api(await apiKeyFor("pump-5@example.com"), "PUT", "/v1/notifications/destinations/sms", {
      address: victim,
    });
    expect(sixth.status).toBe(429);
    expect((await sixth.json<{ detail: string }>()).detail).toMatch(/5 codes in the last 24 hours/);
    expect(twilio(calls).length).toBe(sent);
    const refusedPrefs = await (
      await api(await apiKeyFor("pump-5@example.com"), "GET", "/v1/notifications/preferences")
    ).json<{ destinations: unknown[] }>();
    expect(refusedPrefs.destinations).toEqual([]);

    // One account cycling numbers: ten codes a day.
    const cycler = await apiKeyFor("pump-cycle@example.com");
    for (let i = 0; i < 10; i++) {
      const res = await api(cycler, "PUT", "/v1/notifications/destinations/sms", { address: `+42060900000${i}` });
      expect(res.status).toBe(200);
    }
    const eleventh = await api(cycler, "PUT", "/v1/notifications/destinations/sms", { address: "+420609000010" });
    expect(eleventh.status).toBe(429);
    expect((await eleventh.json<{ detail: string }>()).detail).toMatch(/10 codes today/);

    // A number that replied STOP gets no code at all.
    await suppress(env, { channel: "sms", address: "+420609999999", reason: "unsubscribe", source: "test" });
    const before = twilio(calls).length;
    const stopped = await api(await apiKeyFor("pump-stop@example.com"), "PUT", "/v1/notifications/destinations/sms", {
      address: "+420609999999",
    });
    expect(stopped.status).toBe(422);
    expect(twilio(calls).length).toBe(before);
  });
});

describe("ownership proof in the portal", () => {
  it("asks for the code on the profile, refuses a wrong one with a page, and marks the number verified", async () => {
    fakeProviders(providerOk);
    const email = "verify-portal@example.com";
    const client = await signedInAs(email);
    const profile = await client.page("/app/profile");
    let saved = new Response();
    const [code] = await capturingCodes(async () => {
      saved = await client.post("/app/notifications/destinations/sms", { address: "+420614444444" }, profile);
    });
    expect(saved.status).toBe(303);
    const asking = await client.page("/app/profile");
    expect(asking).toContain("is not verified yet");
    expect(asking).toContain('action="/app/notifications/destinations/sms/verify"');
    const wrong = await client.post(
      "/app/notifications/destinations/sms/verify",
      { code: code === "000000" ? "111111" : "000000" },
      asking,
    );
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("The code is wrong; 4 tries left");
    const again = await client.post("/app/notifications/destinations/sms/code", {}, asking);
    expect(again.status).toBe(429);
    expect(await again.text()).toContain("A code was sent less than a minute ago");
    const right = await client.post("/app/notifications/destinations/sms/verify", { code: code ?? "" }, asking);
    expect(right.status).toBe(303);
    const done = await client.page("/app/profile");
    expect(done).not.toContain("is not verified yet");
    expect(done).toContain('class="badge verified"');
  });
});

describe("daily quotas of paid channels", () => {
  it("past today's SMS quota sends nothing, logs it skipped, and answers code requests 429", async () => {
    const calls = fakeProviders(providerOk);
    const email = "quota-sms@example.com";
    const key = await apiKeyFor(email);
    await verifiedDestination(key, "sms", "+420611111111");
    await api(key, "PUT", "/v1/notifications/preferences", {
      preferences: [{ event: "submission.completed", channel: "sms", enabled: true }],
    });
    // The code was the first SMS of the day; 19 more make the default 20.
    await alreadySentToday(await userId(email), "sms", 19);
    const quotas = await (await api(key, "GET", "/v1/notifications/preferences")).json<{
      quotas: { channel: string; used: number; limit: number }[];
    }>();
    expect(quotas.quotas.find((q) => q.channel === "sms")).toMatchObject({ used: 20, limit: 20 });

    const id = await completed(email);
    const row = await waitSms(id, "suppressed");
    expect((await lastAttempt(row.id))?.error).toBe(
      "daily SMS quota reached (20 a day per user); not sent. It resets at 00:00 UTC.",
    );
    expect(twilio(calls)).toEqual([]);

    const code = await api(key, "PUT", "/v1/notifications/destinations/sms", { address: "+420612222222" });
    expect(code.status).toBe(429);
    expect(code.headers.get("content-type")).toBe("application/problem+json");
    expect((await code.json<{ detail: string }>()).detail).toBe(
      "Today's SMS quota (20 messages) is used up, so no code can be sent; it resets at 00:00 UTC.",
    );
    // Refused before saving: the verified number stays.
    const prefs = await (await api(key, "GET", "/v1/notifications/preferences")).json<{
      destinations: { address: string; verified: boolean }[];
    }>();
    expect(prefs.destinations).toEqual([{ channel: "sms", address: "+420611111111", verified: true }]);
    // WhatsApp has its own budget.
    expect(
      (await api(key, "PUT", "/v1/notifications/destinations/whatsapp", { address: "+420611111111" })).status,
    ).toBe(200);
  });

  it("lets only one of two concurrent sends take the last slot", async () => {
    const email = "quota-race@example.com";
    await apiKeyFor(email);
    const user = await userId(email);
    await alreadySentToday(user, "sms", 19);
    const now = Date.now();
    const ids = [`race_a_${crypto.randomUUID()}`, `race_b_${crypto.randomUUID()}`];
    await env.DB.batch(
      ids.map((id) =>
        env.DB.prepare(
          "INSERT INTO notifications (id, user_id, event, channel, recipient, status, attempts, created_at, updated_at) VALUES (?, ?, 'submission.completed', 'sms', '+420613333333', 'sending', 0, ?, ?)",
        ).bind(id, user, now, now),
      ),
    );
    const results = await Promise.all(
      ids.map((id) => chargeDelivery(env, { id, userId: user, channel: "sms", chargedAt: null })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("shows the portal user that today's quota is used up", async () => {
    const email = "quota-portal@example.com";
    const client = await signedInAs(email);
    expect(await client.page("/app/notifications")).not.toContain("quota");
    await alreadySentToday(await userId(email), "sms", 20);
    const message = "Today&#39;s SMS quota (20 messages a day) is used up";
    const log = await client.page("/app/notifications");
    expect(log.replace(/'/g, "&#39;")).toContain(message);
    expect((await client.page("/app/profile")).replace(/'/g, "&#39;")).toContain(message);
  });
});
