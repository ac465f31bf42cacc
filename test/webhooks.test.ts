import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkOutboundUrl } from "../shared/http/url-policy";
import worker from "../workers/index";
import { webhookRetryDelaySeconds } from "../workers/queues/webhooks";
import { api, apiKeyFor, postSubmission, waitForStatus } from "./helpers/api";
import { URL_SPELLINGS } from "./helpers/url-spellings";

// A public-looking name (faked at the fetch boundary): `.example` names are refused by the host policy.
const RECEIVER = "https://hooks.receiver-example.com/hooks";
const realFetch = globalThis.fetch;

interface Received {
  headers: Headers;
  body: string;
}

/** A fake webhook receiver at the fetch boundary; `answer` decides each response. */
function fakeReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(RECEIVER)) return realFetch(input, init);
    received.push({ headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response("ok", { status: answer(received.length) });
  });
  return received;
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function createEndpoint(body: Record<string, unknown>, email = "hooks@example.com") {
  const res = await api(await apiKeyFor(email), "POST", "/v1/webhooks", body);
  expect(res.status).toBe(201);
  return res.json<{ id: string; secret: string; events: string[] }>();
}

async function deliveries(endpointId: string, email = "hooks@example.com") {
  const res = await api(await apiKeyFor(email), "GET", `/v1/webhooks/${endpointId}/deliveries`);
  return (
    await res.json<{ items: { id: string; event: string; status: string; attempts: number; payload: string }[] }>()
  ).items;
}

/** A stored delivery that no queue message points at yet, so the test drives every attempt. */
async function storedDelivery(endpointId: string): Promise<string> {
  const id = `msg_test_${crypto.randomUUID()}`;
  await env.DB.prepare(
    "INSERT INTO webhook_deliveries (id, endpoint_id, event, payload, status, attempts, created_at) VALUES (?, ?, 'submission.created', ?, 'pending', 0, ?)",
  )
    .bind(id, endpointId, JSON.stringify({ type: "submission.created", data: { id: "sub_x" } }), Date.now())
    .run();
  return id;
}

async function runQueue(queue: string, deliveryId: string, attempts = 1) {
  const batch = createMessageBatch(queue, [
    { id: crypto.randomUUID(), timestamp: new Date(), attempts, body: { kind: "webhook.deliver", deliveryId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("webhook endpoints", () => {
  it("signs created and completed events per Standard Webhooks", async () => {
    const received = fakeReceiver();
    const endpoint = await createEndpoint({ url: RECEIVER });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const res = await postSubmission({ text: "Notify my systems. Please.", email: "hooks@example.com" });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    await vi.waitFor(
      () => {
        if (received.length < 2) throw new Error("waiting for both events");
      },
      { timeout: 10_000, interval: 50 },
    );
    const verifier = new Webhook(endpoint.secret);
    const events = received.map((r) => {
      const headers = Object.fromEntries(r.headers);
      expect(headers["webhook-id"]).toMatch(/^msg_/);
      expect(headers["content-type"]).toBe("application/json");
      return verifier.verify(r.body, headers) as { type: string; data: { id: string; status: string } };
    });
    expect(events.map((e) => e.type).sort()).toEqual(["submission.completed", "submission.created"]);
    expect(events.every((e) => e.data.id === id)).toBe(true);

    // A forged or tampered body does not verify.
    const [first] = received;
    expect(() => verifier.verify(`${first?.body} `, Object.fromEntries(first?.headers ?? []))).toThrow();

    const log = await deliveries(endpoint.id);
    expect(log.map((d) => [d.event, d.status, d.attempts]).sort()).toEqual([
      ["submission.completed", "succeeded", 1],
      ["submission.created", "succeeded", 1],
    ]);
  });

  it("only sends the events an endpoint subscribed to", async () => {
    const received = fakeReceiver();
    await createEndpoint({ url: RECEIVER, events: ["submission.failed"] }, "picky@example.com");
    const res = await postSubmission({ text: "Quiet please. Nothing to report.", email: "picky@example.com" });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    expect(received).toHaveLength(0);
  });

  it("retries a failing receiver with growing delays, logging each attempt", async () => {
    fakeReceiver((n) => (n < 3 ? 503 : 200));
    const endpoint = await createEndpoint({ url: RECEIVER, events: ["submission.created"] }, "retry@example.com");
    const delivery = { id: await storedDelivery(endpoint.id) };

    const first = await runQueue("statex-webhooks", delivery?.id ?? "", 1);
    const second = await runQueue("statex-webhooks", delivery?.id ?? "", 2);
    // (The test harness records retries but not their delays; webhookRetryDelaySeconds is checked below.)
    expect(first.retryMessages).toHaveLength(1);
    expect(second.retryMessages).toHaveLength(1);
    expect([1, 2, 3, 8, 20].map(webhookRetryDelaySeconds)).toEqual([30, 60, 120, 3600, 3600]);
    const third = await runQueue("statex-webhooks", delivery?.id ?? "", 3);
    expect(third.explicitAcks).toHaveLength(1);

    const attempts = await env.DB.prepare(
      "SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt",
    )
      .bind(delivery?.id)
      .all<{ attempt: number; status_code: number }>();
    expect(attempts.results).toEqual([
      { attempt: 1, status_code: 503 },
      { attempt: 2, status_code: 503 },
      { attempt: 3, status_code: 200 },
    ]);
    const [after] = await deliveries(endpoint.id, "retry@example.com");
    expect(after).toMatchObject({ status: "succeeded", attempts: 3 });
  });

  it("marks a delivery failed from the dead-letter queue, and redelivers it on request", async () => {
    const received = fakeReceiver(() => 500);
    const endpoint = await createEndpoint({ url: RECEIVER, events: ["submission.created"] }, "dead@example.com");
    const delivery = { id: await storedDelivery(endpoint.id) };
    await runQueue("statex-webhooks", delivery?.id ?? "");
    const dead = await runQueue("statex-webhooks-dlq", delivery?.id ?? "");
    expect(dead.explicitAcks).toHaveLength(1);
    expect((await deliveries(endpoint.id, "dead@example.com"))[0]?.status).toBe("failed");

    const send = vi.spyOn(env.WEBHOOKS, "send").mockResolvedValue(undefined as never);
    const res = await api(
      await apiKeyFor("dead@example.com"),
      "POST",
      `/v1/webhooks/${endpoint.id}/deliveries/${delivery?.id}/redeliver`,
    );
    expect(res.status).toBe(202);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0]?.[0]).toEqual({ kind: "webhook.deliver", deliveryId: delivery?.id });
    expect((await deliveries(endpoint.id, "dead@example.com"))[0]?.status).toBe("pending");
    expect(received.length).toBe(1);
  });

  it("signs with both secrets for a day after a rotation", async () => {
    const received = fakeReceiver();
    const endpoint = await createEndpoint({ url: RECEIVER, events: ["submission.created"] }, "rotate@example.com");
    const rotated = await (
      await api(await apiKeyFor("rotate@example.com"), "POST", `/v1/webhooks/${endpoint.id}/rotate-secret`)
    ).json<{ secret: string }>();
    expect(rotated.secret).not.toBe(endpoint.secret);
    await postSubmission({ text: "Rotate and verify. Both work.", email: "rotate@example.com" });
    await vi.waitFor(
      () => {
        if (received.length < 1) throw new Error("waiting");
      },
      { timeout: 10_000, interval: 50 },
    );
    const [r] = received;
    const headers = Object.fromEntries(r?.headers ?? []);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(() => new Webhook(rotated.secret).verify(r?.body ?? "", headers)).not.toThrow();
    expect(() => new Webhook(endpoint.secret).verify(r?.body ?? "", headers)).not.toThrow();
  });

  it("stops delivering to a receiver that answers 410 Gone", async () => {
    fakeReceiver(() => 410);
    const endpoint = await createEndpoint({ url: RECEIVER, events: ["submission.created"] }, "gone@example.com");
    const delivery = { id: await storedDelivery(endpoint.id) };
    const result = await runQueue("statex-webhooks", delivery?.id ?? "");
    expect(result.explicitAcks).toHaveLength(1);
    const list = await (await api(await apiKeyFor("gone@example.com"), "GET", "/v1/webhooks")).json<{
      items: { disabled: boolean }[];
    }>();
    expect(list.items[0]?.disabled).toBe(true);
  });

  it("validates endpoints and hides other users' endpoints", async () => {
    const bad = await api(await apiKeyFor("hooks@example.com"), "POST", "/v1/webhooks", { url: "not a url" });
    expect(bad.status).toBe(422);
    const badEvent = await api(await apiKeyFor("hooks@example.com"), "POST", "/v1/webhooks", {
      url: RECEIVER,
      events: ["submission.exploded"],
    });
    expect(badEvent.status).toBe(422);
    const mine = await createEndpoint({ url: RECEIVER }, "owner-hooks@example.com");
    for (const [path, method] of [
      [`/v1/webhooks/${mine.id}`, "DELETE"],
      [`/v1/webhooks/${mine.id}/rotate-secret`, "POST"],
      [`/v1/webhooks/${mine.id}/deliveries`, "GET"],
    ] as const) {
      const res = await api(await apiKeyFor("thief@example.com"), method, path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const del = await api(await apiKeyFor("owner-hooks@example.com"), "DELETE", `/v1/webhooks/${mine.id}`);
    expect(del.status).toBe(204);
  });

  it("refuses private, reserved and wildcard-DNS receivers with 422 problem+json, even in development", async () => {
    for (const url of [
      // (Loopback itself is allowed in development, for a receiver on the same machine.)
      "https://printer.local./",
      "https://metadata.google.internal./computeMetadata/v1/",
      "https://100.64.0.1/",
      "https://127.0.0.1.nip.io/",
      "https://0x0a.1/",
      "https://[::ffff:169.254.169.254]/",
      "https://10.0.0.1/",
      "http://hooks.receiver-example.com/hooks",
    ]) {
      const res = await api(await apiKeyFor("ssrf@example.com"), "POST", "/v1/webhooks", { url });
      expect(res.status, url).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await res.json<{ errors: { pointer: string; detail: string }[] }>();
      expect(body.errors[0]?.pointer).toBe("/url");
      expect(body.errors[0]?.detail).toMatch(/^url must/);
    }
    const list = await (await api(await apiKeyFor("ssrf@example.com"), "GET", "/v1/webhooks")).json<{
      items: unknown[];
    }>();
    expect(list.items).toEqual([]);
  });

  it("never fetches a stored endpoint the host policy refuses, and disables it", async () => {
    const received = fakeReceiver();
    const endpoint = await createEndpoint({ url: RECEIVER, events: ["submission.created"] }, "stale@example.com");
    // An endpoint saved before the policy existed.
    await env.DB.prepare("UPDATE webhook_endpoints SET url = ? WHERE id = ?")
      .bind("https://169.254.169.254./latest/meta-data/", endpoint.id)
      .run();
    const spy = vi.mocked(globalThis.fetch);
    const before = spy.mock.calls.length;
    const id = await storedDelivery(endpoint.id);
    const result = await runQueue("statex-webhooks", id);
    expect(result.explicitAcks).toHaveLength(1);
    expect(spy.mock.calls.slice(before).map(([input]) => String(input instanceof Request ? input.url : input))).toEqual(
      [],
    );
    expect(received).toEqual([]);
    const [delivery] = await deliveries(endpoint.id, "stale@example.com");
    expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
    const list = await (await api(await apiKeyFor("stale@example.com"), "GET", "/v1/webhooks")).json<{
      items: { disabled: boolean }[];
    }>();
    expect(list.items[0]?.disabled).toBe(true);
  });
});

describe("outbound URL host policy (workerd's URL parser)", () => {
  it("gives every spelling of the table the same answer as in Node", () => {
    const wrong = URL_SPELLINGS.filter(([url, accepted]) => checkOutboundUrl(url).ok !== accepted);
    expect(wrong).toEqual([]);
    expect(URL_SPELLINGS.length).toBeGreaterThanOrEqual(40);
  });
});
