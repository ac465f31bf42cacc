import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../shared/log";
import type { NotificationMessage } from "../shared/messages";
import { fanOut } from "../shared/notifications/deliver";
import { isSuppressed, suppress } from "../shared/notifications/suppression";
import worker from "../workers/index";
import { api, apiKeyFor, BASE, notificationRows, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";
import { type Captured, fakeProviders, providerOk } from "./helpers/fake-providers";
import { capturingCodes, verifiedDestination } from "./helpers/notify";
import { drainQueue } from "./helpers/queues";

afterEach(() => {
  vi.restoreAllMocks();
});

const adminKey = () =>
  apiKeyFor("notify-admin@statex.test", {
    role: "admin",
    scopes: ["admin:read", "submissions:read", "submissions:write"],
  });

async function queue(queueName: string, body: NotificationMessage | unknown, attempts = 1) {
  const batch = createMessageBatch(queueName, [
    { id: `m-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body },
  ]);
  // The queue result lists retried messages without their delay: record it here.
  const delays: (number | undefined)[] = [];
  const [message] = batch.messages;
  if (message) {
    const retry = message.retry.bind(message);
    message.retry = (options) => {
      delays.push(options?.delaySeconds);
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { ...(await getQueueResult(batch, ctx)), delays };
}

/** A user with Telegram switched on for completed results; returns their key. */
async function telegramUser(email: string, chatId = "424242") {
  const key = await apiKeyFor(email);
  await verifiedDestination(key, "telegram", chatId);
  const res = await api(key, "PUT", "/v1/notifications/preferences", {
    preferences: [{ event: "submission.completed", channel: "telegram", enabled: true }],
  });
  expect(res.status).toBe(200);
  return key;
}

async function completed(email: string) {
  const res = await postSubmission({ text: "Summarise the supplier review. Deliveries were late twice.", email });
  const { id, requestId } = await res.json<{ id: string; requestId: string }>();
  await waitForStatus(id, ["completed"]);
  return { id, requestId };
}

async function waitRows(id: string, done: (rows: Awaited<ReturnType<typeof notificationRows>>) => boolean) {
  return vi.waitFor(
    async () => {
      const rows = await notificationRows(id);
      if (!done(rows)) throw new Error(`not yet: ${JSON.stringify(rows.map((r) => [r.channel, r.status]))}`);
      return rows;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const telegramCalls = (calls: Captured[]) => calls.filter((c) => c.url.startsWith("https://api.telegram.org/"));

describe("fan-out to every chosen channel", () => {
  it("sends a completed result by email and Telegram, once each, whatever is redelivered", async () => {
    const calls = fakeProviders(providerOk);
    const key = await telegramUser("fan@example.com");
    const { id, requestId } = await completed("fan@example.com");
    const rows = await waitRows(id, (r) => r.length === 2 && r[0]?.status === "sent" && r[1]?.status === "delivered");
    expect(rows.map((r) => [r.channel, r.recipient, r.attempts])).toEqual([
      ["email", "fan@example.com", 1],
      ["telegram", "424242", 1],
    ]);
    expect(telegramCalls(calls)).toHaveLength(1);
    const body = JSON.parse(telegramCalls(calls)[0]?.body ?? "{}");
    expect(body).toMatchObject({ chat_id: "424242", parse_mode: "HTML" });
    expect(body.text).toContain(id);
    // Every chat message ends with its own unsubscribe link.
    expect(body.text).toMatch(/\n\nUnsubscribe from these messages: http:\/\/127\.0\.0\.1:8787\/u\/unsubscribe\/\S+$/);

    // Redeliver the event and the channel's own delivery: both acked, nothing sent again.
    const telegramRow = rows.find((r) => r.channel === "telegram");
    // Whatever the redeliveries queue in turn is drained too, before counting what was sent.
    const drained = await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
      for (const message of [
        { kind: "notify", event: "submission.completed", submissionId: id, correlationId: requestId },
        { kind: "deliver", notificationId: telegramRow?.id, correlationId: requestId },
      ]) {
        const result = await queue("statex-notifications", message, 2);
        expect(result.explicitAcks).toHaveLength(1);
        expect(result.retryMessages).toEqual([]);
      }
    });
    expect(drained.retried).toEqual([]);
    expect(telegramCalls(calls)).toHaveLength(1);
    expect((await notificationRows(id)).map((r) => r.attempts)).toEqual([1, 1]);

    // The owner sees the delivery with its timeline and the provider's message id.
    const res = await api(key, "GET", `/v1/notifications/${encodeURIComponent(telegramRow?.id ?? "")}`);
    expect(res.status).toBe(200);
    const view = await res.json<{
      recipient: string;
      timeline: { status: string; providerMessageId: string | null }[];
    }>();
    expect(view.recipient).toBe("••4242");
    // Telegram's answer means the message is in the chat: delivered, not just sent.
    expect(view.timeline.map((t) => t.status)).toEqual(["queued", "sent", "delivered"]);
    expect(view.timeline[1]?.providerMessageId).toBe("4242");
  });

  it("sends nothing to a suppressed address, and logs it as suppressed", async () => {
    await apiKeyFor("bounced@example.com");
    expect(
      await suppress(env, {
        channel: "email",
        address: " Bounced@Example.com ",
        reason: "hard_bounce",
        source: "test",
      }),
    ).toBe(true);
    expect(
      await suppress(env, { channel: "email", address: "bounced@example.com", reason: "complaint", source: "again" }),
    ).toBe(false);
    expect(await isSuppressed(env, "email", "BOUNCED@example.com")).toBe(true);
    const { id } = await completed("bounced@example.com");
    const [row] = await notificationRows(id);
    expect(row).toMatchObject({ channel: "email", status: "suppressed", attempts: 0, provider_message_id: null });
    expect(row?.error).toContain("hard_bounce");
    const sent = await env.SENT_MAIL.fetch("http://sent-mail/?to=bounced@example.com");
    expect(sent.status).toBe(404);
  });

  it("sends nothing on a channel the user turned off", async () => {
    const key = await apiKeyFor("quiet@example.com");
    const res = await api(key, "PUT", "/v1/notifications/preferences", {
      preferences: [{ event: "submission.completed", channel: "email", enabled: false }],
    });
    const prefs = await res.json<{ preferences: { event: string; channel: string; enabled: boolean }[] }>();
    expect(prefs.preferences).toContainEqual({ event: "submission.completed", channel: "email", enabled: false });
    expect(prefs.preferences).toContainEqual({ event: "submission.failed", channel: "email", enabled: true });
    const { id } = await completed("quiet@example.com");
    expect(await notificationRows(id)).toEqual([]);
  });
});

describe("retries, permanent failures and re-drive", () => {
  /** A completed request whose Telegram delivery row exists but has not been sent. */
  async function pendingTelegram(email: string) {
    const { id, requestId } = await completed(email);
    await telegramUser(email);
    const [row] = await fanOut(env, {
      event: "submission.completed",
      subject: { kind: "submission", submissionId: id },
      correlationId: requestId,
      log: createLogger({ correlationId: requestId }),
    });
    expect(row?.channel).toBe("telegram");
    return { id, requestId, rowId: row?.id ?? "" };
  }

  it("retries a temporary failure with backoff (honouring retry_after) and then sends", async () => {
    const answers = [
      Response.json(
        { ok: false, error_code: 429, description: "Too Many Requests", parameters: { retry_after: 42 } },
        { status: 429 },
      ),
    ];
    const calls = fakeProviders((req, n) => answers[n - 1] ?? providerOk(req));
    const { id, requestId, rowId } = await pendingTelegram("retry@example.com");
    const deliver = { kind: "deliver", notificationId: rowId, correlationId: requestId };
    const first = await queue("statex-notifications", deliver, 1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toHaveLength(1);
    expect(first.delays).toEqual([42]);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({ status: "queued", attempts: 1 });
    const second = await queue("statex-notifications", deliver, 2);
    expect(second.explicitAcks).toHaveLength(1);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({
      status: "delivered",
      attempts: 2,
      provider_message_id: "4242",
      error: null,
    });
    expect(telegramCalls(calls)).toHaveLength(2);
    const { results } = await env.DB.prepare(
      "SELECT status, attempt, http_status FROM notification_attempts WHERE notification_id = ? ORDER BY id",
    )
      .bind(rowId)
      .all();
    expect(results).toEqual([
      { status: "queued", attempt: 0, http_status: null },
      { status: "retry", attempt: 1, http_status: 429 },
      { status: "sent", attempt: 2, http_status: null },
      { status: "delivered", attempt: 2, http_status: null },
    ]);
  });

  it("stops at a permanent refusal and suppresses the dead address", async () => {
    fakeProviders(() =>
      Response.json(
        { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" },
        { status: 403 },
      ),
    );
    const { id, requestId, rowId } = await pendingTelegram("blocked@example.com");
    const result = await queue("statex-notifications", {
      kind: "deliver",
      notificationId: rowId,
      correlationId: requestId,
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({ status: "failed", attempts: 1 });
    expect(await isSuppressed(env, "telegram", "424242")).toBe(true);
  });

  it("marks a dead-lettered delivery failed; an admin re-drives it and it goes out", async () => {
    let healthy = false;
    const calls = fakeProviders((req) => (healthy ? providerOk(req) : new Response("down", { status: 502 })));
    // Cleared first: the previous test suppressed this chat, and a suppressed chat gets no ownership code.
    await env.DB.prepare("DELETE FROM suppressions WHERE channel = 'telegram'").run();
    const { id, requestId, rowId } = await pendingTelegram("dlq@example.com");
    const dead = await queue("statex-notifications-dlq", {
      kind: "deliver",
      notificationId: rowId,
      correlationId: requestId,
    });
    expect(dead.explicitAcks).toHaveLength(1);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({ status: "failed" });

    const admin = await adminKey();
    const list = await api(admin, "GET", "/v1/admin/notifications?status=failed&channel=telegram");
    expect(list.status).toBe(200);
    const page = await list.json<{ items: { id: string; recipient: string; userEmail: string }[] }>();
    expect(page.items.map((i) => i.id)).toContain(rowId);
    expect(page.items.find((i) => i.id === rowId)).toMatchObject({ recipient: "424242", userEmail: "dlq@example.com" });

    // Not for users: the admin API is as unknown to them as a made-up path.
    const user = await apiKeyFor("dlq@example.com");
    expect((await api(user, "POST", "/v1/admin/notifications/redrive", { ids: [rowId] })).status).toBe(404);

    healthy = true;
    const res = await api(admin, "POST", "/v1/admin/notifications/redrive", { ids: [rowId, "nope:x:email"] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ redriven: [rowId] });
    await waitRows(id, (rows) => rows.find((r) => r.id === rowId)?.status === "delivered");
    expect(telegramCalls(calls).length).toBeGreaterThanOrEqual(1);
    // A second re-drive finds nothing failed.
    expect(await (await api(admin, "POST", "/v1/admin/notifications/redrive", { ids: [rowId] })).json()).toEqual({
      redriven: [],
    });
  });
});

describe("unsubscribe links", () => {
  it("carries List-Unsubscribe with one-click, confirms on GET and unsubscribes on POST without signing in", async () => {
    const { id } = await completed("unsub@example.com");
    const [row] = await notificationRows(id);
    const { raw, email } = await readSentEmail(row?.provider_message_id ?? "");
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    const link = /^List-Unsubscribe: <([^>]+)>/m.exec(raw)?.[1] ?? "";
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:8787\/u\/unsubscribe\/[^/]+$/);
    expect(email.html).toContain(link);
    const path = new URL(link).pathname;

    const page = await exports.default.fetch(`${BASE}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("result ready");
    // A GET (a mail scanner following links) changed nothing.
    const key = await apiKeyFor("unsub@example.com");
    const before = await (await api(key, "GET", "/v1/notifications/preferences")).json<{
      preferences: { event: string; channel: string; enabled: boolean }[];
    }>();
    expect(before.preferences).toContainEqual({ event: "submission.completed", channel: "email", enabled: true });

    const oneClick = await exports.default.fetch(`${BASE}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    const after = await (await api(key, "GET", "/v1/notifications/preferences")).json<typeof before>();
    expect(after.preferences).toContainEqual({ event: "submission.completed", channel: "email", enabled: false });
    expect(after.preferences).toContainEqual({ event: "submission.failed", channel: "email", enabled: true });

    const { id: next } = await completed("unsub@example.com");
    expect(await notificationRows(next)).toEqual([]);
  });

  it("refuses a forged or altered token", async () => {
    for (const token of ["nope", "usr_X~submission-completed~email.zzzz.AAAA"]) {
      const res = await exports.default.fetch(`${BASE}/u/unsubscribe/${token}`, { method: "POST" });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("does not work");
    }
  });
});

describe("the notifications API", () => {
  it("validates destinations and keeps other users' deliveries out of reach", async () => {
    const key = await apiKeyFor("dest@example.com");
    const bad: [string, string][] = [
      ["sms", "0601 234 567"],
      ["slack", "https://hooks.slack.com.evil.example/services/a/b/c"],
      ["discord", "http://discord.com/api/webhooks/1/x"],
      ["telegram", "not a chat"],
    ];
    for (const [channel, address] of bad) {
      const res = await api(key, "PUT", `/v1/notifications/destinations/${channel}`, { address });
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    let ok = new Response();
    await capturingCodes(async () => {
      ok = await api(key, "PUT", "/v1/notifications/destinations/sms", { address: "+420 601 234 567" });
    });
    // Saved unverified, with a code on its way (this ownership proof).
    expect(await ok.json()).toEqual({
      channel: "sms",
      address: "+420601234567",
      verified: false,
      codeExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await api(key, "PUT", "/v1/notifications/destinations/email", { address: "x@example.com" })).status).toBe(
      422,
    );
    const digestSms = await api(key, "PUT", "/v1/notifications/preferences", {
      preferences: [{ event: "digest.daily", channel: "sms", enabled: true }],
    });
    expect(digestSms.status).toBe(422);

    const { id } = await completed("owner-a@example.com");
    const [row] = await notificationRows(id);
    const other = await api(key, "GET", `/v1/notifications/${encodeURIComponent(row?.id ?? "")}`);
    expect(other.status).toBe(404);
    const mine = await (await api(key, "GET", "/v1/notifications")).json<{ items: { event: string }[] }>();
    // Only the user's own ownership code (sent above); none of the other user's deliveries.
    expect(mine.items.map((i) => i.event)).toEqual(["destination.verification"]);
  });

  it("lets admins edit templates (placeholders checked, audited) and preview them escaped", async () => {
    const admin = await adminKey();
    const wrong = await api(admin, "PUT", "/v1/admin/notifications/templates/submission.completed/email/cs", {
      subject: "Hotovo {{id}}",
      body: "{{secret}}",
    });
    expect(wrong.status).toBe(422);
    expect((await wrong.json<{ detail: string }>()).detail).toContain("{{secret}}");
    const saved = await api(admin, "PUT", "/v1/admin/notifications/templates/submission.completed/email/cs", {
      subject: "Hotovo: {{id}}",
      body: "Dobrý den {{name}},\n\n{{result}}\n\n{{link}}",
    });
    expect(saved.status).toBe(200);
    const audit = await env.DB.prepare(
      "SELECT before, after FROM audit_log WHERE action = 'notification.template_updated'",
    ).first<{
      before: string;
      after: string;
    }>();
    expect(JSON.parse(audit?.before ?? "{}").subject).toBe("Váš výsledek StateX je hotový ({{id}})");
    expect(JSON.parse(audit?.after ?? "{}").subject).toBe("Hotovo: {{id}}");

    // A Czech-speaking user gets the edited Czech text.
    await apiKeyFor("czech@example.com");
    await env.DB.prepare("UPDATE users SET locale = 'cs' WHERE email = 'czech@example.com'").run();
    const { id } = await completed("czech@example.com");
    const [row] = await notificationRows(id);
    const { email } = await readSentEmail(row?.provider_message_id ?? "");
    expect(email.subject).toBe(`Hotovo: ${id}`);
    expect(email.text).toContain("Tuto zprávu dostáváte");

    const preview = await api(admin, "POST", "/v1/admin/notifications/templates/preview", {
      event: "submission.completed",
      channel: "telegram",
      locale: "en",
    });
    const p = await preview.json<{ text: string }>();
    expect(p.text).toContain("&lt;penalty&gt;");
    // A user's key with the admin:read scope still does not make them an admin.
    const user = await apiKeyFor("czech@example.com", { scopes: ["admin:read"] });
    expect((await api(user, "GET", "/v1/admin/notifications/templates")).status).toBe(404);
  });

  it("tells the owner about a new API key on their channels", async () => {
    await apiKeyFor("keys@example.com");
    const userId =
      (await env.DB.prepare("SELECT id FROM users WHERE email = 'keys@example.com'").first<{ id: string }>())?.id ?? "";
    const keyId =
      (await env.DB.prepare("SELECT id FROM api_keys WHERE user_id = ?").bind(userId).first<{ id: string }>())?.id ??
      "";
    const message = {
      kind: "notify.account",
      event: "account.api_key_created",
      userId,
      subjectId: keyId,
      correlationId: "corr-key",
    };
    for (let i = 0; i < 2; i++) expect((await queue("statex-notifications", message)).explicitAcks).toHaveLength(1);
    const row = await vi.waitFor(
      async () => {
        const r = await env.DB.prepare("SELECT id, status, provider_message_id FROM notifications WHERE user_id = ?")
          .bind(userId)
          .all<{ id: string; status: string; provider_message_id: string }>();
        if (r.results.length !== 1 || r.results[0]?.status !== "sent") throw new Error("not yet");
        return r.results[0];
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(row.id).toBe(`${keyId}:account.api_key_created:email`);
    const { email } = await readSentEmail(row.provider_message_id);
    expect(email.subject).toBe("A new StateX API key was created");
    expect(email.text).toContain('"test"');

    // Deleting the account takes its deliveries and their timelines along (foreign keys).
    const count = async () =>
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM notification_attempts WHERE notification_id = ?")
          .bind(row.id)
          .first<{ n: number }>()
      )?.n;
    expect(await count()).toBeGreaterThan(0);
    await env.DB.prepare("DELETE FROM users WHERE id = ?").bind(userId).run();
    expect(await count()).toBe(0);
  });
});

describe("Twilio delivery reports", () => {
  async function twilioSignature(url: string, params: Record<string, string>) {
    const data =
      url +
      Object.keys(params)
        .sort()
        .map((k) => `${k}${params[k]}`)
        .join("");
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("twilio-test-auth-token"),
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign"],
    );
    return btoa(
      String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data)))),
    );
  }

  async function callback(rowId: string, params: Record<string, string>, signature?: string) {
    const path = `/v1/notifications/callbacks/twilio?id=${encodeURIComponent(rowId)}`;
    return exports.default.fetch(`${BASE}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": signature ?? (await twilioSignature(`http://127.0.0.1:8787${path}`, params)),
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  it("marks an SMS delivered on a signed callback, refuses a forged one, and suppresses an unknown number", async () => {
    fakeProviders(providerOk);
    const key = await apiKeyFor("sms-dlr@example.com");
    await verifiedDestination(key, "sms", "+420601234567");
    await api(key, "PUT", "/v1/notifications/preferences", {
      preferences: [{ event: "submission.completed", channel: "sms", enabled: true }],
    });
    const { id } = await completed("sms-dlr@example.com");
    const rows = await waitRows(id, (r) => r.find((n) => n.channel === "sms")?.status === "sent");
    const sms = rows.find((r) => r.channel === "sms");
    const rowId = sms?.id ?? "";
    const sid = sms?.provider_message_id ?? "";
    expect(sid).toBe("SM0123456789abcdef0123456789abcdef");

    const delivered = { MessageSid: sid, MessageStatus: "delivered", To: "+420601234567" };
    expect((await callback(rowId, delivered, "forged")).status).toBe(403);
    expect((await notificationRows(id)).find((r) => r.id === rowId)?.status).toBe("sent");
    expect((await callback(rowId, delivered)).status).toBe(204);
    expect((await notificationRows(id)).find((r) => r.id === rowId)?.status).toBe("delivered");
    // Another message's SID changes nothing.
    expect((await callback(rowId, { ...delivered, MessageSid: "SMother", MessageStatus: "failed" })).status).toBe(204);
    expect((await notificationRows(id)).find((r) => r.id === rowId)?.status).toBe("delivered");

    const undelivered = { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "30005" };
    expect((await callback(rowId, undelivered)).status).toBe(204);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({
      status: "failed",
      error: "Twilio reported undelivered (error 30005)",
    });
    expect(await isSuppressed(env, "sms", "+420601234567")).toBe(true);
  });

  it("asks Twilio for status callbacks only when the public address is https", async () => {
    const calls = fakeProviders(providerOk);
    const { ADAPTERS } = await import("../shared/notifications/channels");
    const https = { ...env, PUBLIC_BASE_URL: "https://statex.example" } as Env;
    await ADAPTERS.sms.send(https, {
      to: "+15005550001",
      subject: "",
      text: "hi",
      reference: "sub_X:submission.completed:sms",
    });
    await ADAPTERS.sms.send(env, {
      to: "+15005550001",
      subject: "",
      text: "hi",
      reference: "sub_X:submission.completed:sms",
    });
    expect(new URLSearchParams(calls[0]?.body).get("StatusCallback")).toBe(
      "https://statex.example/v1/notifications/callbacks/twilio?id=sub_X%3Asubmission.completed%3Asms",
    );
    expect(new URLSearchParams(calls[1]?.body).has("StatusCallback")).toBe(false);
  });
});

describe("WhatsApp status webhooks", () => {
  async function signed(body: string) {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("whatsapp-test-app-secret"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
    return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  const statusBody = (id: string, status: string, code?: number) =>
    JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                statuses: [
                  {
                    id,
                    status,
                    timestamp: "1764000000",
                    recipient_id: "420601234567",
                    ...(code ? { errors: [{ code }] } : {}),
                  },
                ],
              },
            },
          ],
        },
      ],
    });

  async function post(body: string, signature?: string) {
    return exports.default.fetch(`${BASE}/v1/notifications/callbacks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signature ?? (await signed(body)) },
      body,
    });
  }

  it("answers Meta's subscription check only with the verify token", async () => {
    const ok = await exports.default.fetch(
      `${BASE}/v1/notifications/callbacks/whatsapp?hub.mode=subscribe&hub.verify_token=whatsapp-test-verify-token&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await exports.default.fetch(
      `${BASE}/v1/notifications/callbacks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`,
    );
    expect(wrong.status).toBe(403);
  });

  it("marks a WhatsApp message delivered, refuses unsigned reports, and suppresses a number not on WhatsApp", async () => {
    fakeProviders(providerOk);
    const key = await apiKeyFor("wa-dlr@example.com");
    await verifiedDestination(key, "whatsapp", "+420601234567");
    await api(key, "PUT", "/v1/notifications/preferences", {
      preferences: [{ event: "submission.completed", channel: "whatsapp", enabled: true }],
    });
    const { id } = await completed("wa-dlr@example.com");
    const rows = await waitRows(id, (r) => r.find((n) => n.channel === "whatsapp")?.status === "sent");
    const rowId = rows.find((r) => r.channel === "whatsapp")?.id ?? "";

    const delivered = statusBody("wamid.TEST123", "delivered");
    expect((await post(delivered, "sha256=00")).status).toBe(403);
    expect((await notificationRows(id)).find((r) => r.id === rowId)?.status).toBe("sent");
    expect((await post(delivered)).status).toBe(200);
    expect((await notificationRows(id)).find((r) => r.id === rowId)?.status).toBe("delivered");
    // A report about a message we never sent is ignored.
    expect((await post(statusBody("wamid.OTHER", "failed", 131026))).status).toBe(200);
    expect(await isSuppressed(env, "whatsapp", "+420601234567")).toBe(false);

    expect((await post(statusBody("wamid.TEST123", "failed", 131026))).status).toBe(200);
    expect((await notificationRows(id)).find((r) => r.id === rowId)).toMatchObject({
      status: "failed",
      error: "WhatsApp reported failed (error 131026)",
    });
    expect(await isSuppressed(env, "whatsapp", "+420601234567")).toBe(true);
  });
});
