import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../shared/crypto";
import { apiKeyFor, BASE } from "./helpers/api";

async function post(body: unknown, key: string | undefined, email = "idem@example.com") {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    authorization: `Bearer ${await apiKeyFor(email)}`,
  };
  if (key !== undefined) headers["idempotency-key"] = key;
  return exports.default.fetch(`${BASE}/v1/submissions`, { method: "POST", headers, body: JSON.stringify(body) });
}

const count = async () =>
  ((await env.DB.prepare("SELECT COUNT(*) AS n FROM submissions").first<{ n: number }>())?.n ?? -1) as number;

describe("Idempotency-Key on POST /v1/submissions", () => {
  it("replays the first response for the same key and body, creating one submission", async () => {
    const body = { text: "Charge the customer once. Only once." };
    const first = await post(body, "key-1");
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstBody = await first.text();
    const before = await count();

    const again = await post(body, "key-1");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(await again.text()).toBe(firstBody);
    expect(await count()).toBe(before);
  });

  it("refuses the same key with a different body with 422", async () => {
    await post({ text: "First body here." }, "key-2");
    const res = await post({ text: "A different body." }, "key-2");
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect((await res.json<{ type: string }>()).type).toBe("/problems/idempotency-key-reuse");
  });

  it("answers a concurrent duplicate with 409 and Retry-After", async () => {
    const body = { text: "Slow one. Still running." };
    const key = "key-3";
    await apiKeyFor("idem@example.com");
    const userId = (
      await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind("idem@example.com").first<{ id: string }>()
    )?.id;
    const fingerprint = await sha256Hex(`POST /v1/submissions\n${JSON.stringify(body)}`);
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, created_at, expires_at) VALUES (?, ?, ?, 'in_progress', ?, ?)",
    )
      .bind(userId, key, fingerprint, Date.now(), Date.now() + 3600_000)
      .run();
    const before = await count();
    const res = await post(body, key);
    expect(res.status).toBe(409);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await count()).toBe(before);
  });

  it("scopes keys to the user", async () => {
    const body = { text: "Same key, two people." };
    const a = await post(body, "shared-key", "alice@example.com");
    const b = await post(body, "shared-key", "bob@example.com");
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(a.headers.get("location")).not.toBe(b.headers.get("location"));
  });

  it("forgets a key after 24 hours", async () => {
    const body = { text: "Yesterday's request." };
    const first = await post(body, "key-old");
    await env.DB.prepare("UPDATE idempotency_keys SET expires_at = ? WHERE key = 'key-old'")
      .bind(Date.now() - 1)
      .run();
    const again = await post(body, "key-old");
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("location")).not.toBe(first.headers.get("location"));
  });

  it("rejects a malformed key with 400", async () => {
    const res = await post({ text: "hello there" }, "x".repeat(256));
    expect(res.status).toBe(400);
    expect((await res.json<{ type: string }>()).type).toBe("/problems/bad-idempotency-key");
  });

  it("works without a key as before", async () => {
    const before = await count();
    expect((await post({ text: "No key at all." }, undefined)).status).toBe(202);
    expect((await post({ text: "No key at all." }, undefined)).status).toBe(202);
    expect(await count()).toBe(before + 2);
  });
});
