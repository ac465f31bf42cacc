import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../shared/crypto";
import { db } from "../shared/db/client";
import { KEY_CACHE_TTL_MS, keyCache } from "../workers/auth/key-cache";
import { USER_LIMIT_PER_KEY_LIMIT, userRateSubject } from "../workers/auth/middleware";
import { forgetLeases, leaseSize } from "../workers/auth/rate-limit";
import { createApiKey, createUser, revokeApiKey } from "../workers/auth/service";
import { apiKeyFor, BASE, postSubmission, waitForStatus } from "./helpers/api";
import { expectProblem } from "./helpers/problem";

const call = (path: string, init: RequestInit & { key?: string } = {}) => {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  return exports.default.fetch(`${BASE}${path}`, { ...init, headers });
};

async function submitAs(email: string, text = "Please summarise the quarterly numbers. Sales rose.") {
  const res = await postSubmission({ text, email });
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

describe("API keys", () => {
  it("rejects a request without a key with 401 and WWW-Authenticate, writing nothing", async () => {
    const res = await call("/v1/submissions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hi there" }),
    });
    await expectProblem(res, 401, "/problems/unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM submissions").first<{ n: number }>()) ?? { n: -1 };
    expect(n).toBe(0);
  });

  it("rejects unknown, malformed and revoked keys with 401", async () => {
    for (const key of ["sx_nope", "Basic abc", `sx_${"A".repeat(43)}`]) {
      await expectProblem(await call("/v1/submissions", { key }), 401, "/problems/unauthorized");
    }
    const d = db(env.DB);
    const user = await createUser(d, { email: "revoked@example.com", verified: true });
    const { key, row } = await createApiKey(d, user?.id ?? "", "ci", ["submissions:read"]);
    expect((await call("/v1/submissions", { key })).status).toBe(200);
    expect(await revokeApiKey(d, user?.id ?? "", row.id)).toBe(true);
    await expectProblem(await call("/v1/submissions", { key }), 401, "/problems/unauthorized");
  });

  it("enforces scopes with 403", async () => {
    const readOnly = await apiKeyFor("reader@example.com", { scopes: ["submissions:read"] });
    const res = await call("/v1/submissions", {
      method: "POST",
      key: readOnly,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "hello" }),
    });
    const body = await expectProblem(res, 403, "/problems/forbidden");
    expect(body.detail).toContain("submissions:write");
    const writeOnly = await apiKeyFor("writer@example.com", { scopes: ["submissions:write"] });
    await expectProblem(await call("/v1/submissions", { key: writeOnly }), 403, "/problems/forbidden");
  });

  it("records when a key was last used", async () => {
    const key = await apiKeyFor("used@example.com");
    await call("/v1/submissions", { key });
    const row = await env.DB.prepare(
      "SELECT last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.email = 'used@example.com'",
    ).first<{ last_used_at: number | null }>();
    expect(row?.last_used_at).toBeGreaterThan(0);
  });

  it("keeps last use to the minute: a key used again within the minute costs no write", async () => {
    const key = await apiKeyFor("used-twice@example.com");
    const lastUsed = () =>
      env.DB.prepare(
        "SELECT k.id, last_used_at FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.email = 'used-twice@example.com'",
      ).first<{ id: string; last_used_at: number | null }>();
    await call("/v1/submissions", { key });
    const first = await lastUsed();
    expect(first?.last_used_at).toBeGreaterThan(0);
    await call("/v1/submissions", { key });
    expect((await lastUsed())?.last_used_at).toBe(first?.last_used_at);
    // Older than a minute: the next use writes again (as read by another isolate, or by this
    // one once its memory of the key has expired).
    await env.DB.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
      .bind(Date.now() - 61_000, first?.id)
      .run();
    keyCache.clear();
    await call("/v1/submissions", { key });
    expect((await lastUsed())?.last_used_at).toBeGreaterThan(Date.now() - 5_000);
  });
});

describe("the isolate's memory of keys", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers from memory for a few seconds: a change made elsewhere shows within KEY_CACHE_TTL_MS", async () => {
    const key = await apiKeyFor("cached@example.com");
    expect((await call("/v1/submissions", { key })).status).toBe(200);
    // Revoked by another isolate (straight in the database, so this isolate is not told).
    await env.DB.prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE user_id = (SELECT id FROM users WHERE email = 'cached@example.com')",
    )
      .bind(Date.now())
      .run();
    expect((await call("/v1/submissions", { key })).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + KEY_CACHE_TTL_MS + 1);
    await expectProblem(await call("/v1/submissions", { key }), 401, "/problems/unauthorized");
  });
});

describe("keys that can never work", () => {
  it("answers an unknown or revoked key from memory after the first look, and a disabled user's key again once enabled", async () => {
    const unknown = `sx_${"u".repeat(43)}`;
    await expectProblem(await call("/v1/submissions", { key: unknown }), 401, "/problems/unauthorized");
    // Remembered as dead: the database is not asked again (a row inserted behind the cache's
    // back with that key's hash is not seen; a real key never comes into being later).
    const d = db(env.DB);
    const owner = await createUser(d, { email: "late@example.com", verified: true });
    await env.DB.prepare(
      "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_late', ?, 'x', 'sx_uuuuuuuu', ?, 'submissions:read', ?)",
    )
      .bind(owner?.id, await sha256Hex(unknown), Date.now())
      .run();
    await expectProblem(await call("/v1/submissions", { key: unknown }), 401, "/problems/unauthorized");
    keyCache.clear();
    expect((await call("/v1/submissions", { key: unknown })).status).toBe(200);

    // A disabled user's key is refused but not written off: enabled again, it works.
    const key = await apiKeyFor("paused@example.com");
    const userId = (
      await env.DB.prepare("SELECT id FROM users WHERE email = 'paused@example.com'").first<{ id: string }>()
    )?.id;
    await env.DB.prepare("UPDATE users SET disabled_at = ? WHERE id = ?").bind(Date.now(), userId).run();
    await expectProblem(await call("/v1/submissions", { key }), 401, "/problems/unauthorized");
    await env.DB.prepare("UPDATE users SET disabled_at = NULL WHERE id = ?").bind(userId).run();
    expect((await call("/v1/submissions", { key })).status).toBe(200);
  });
});

describe("guessing keys", () => {
  it("refuses an address's unknown keys with 429 after 30 failed lookups a minute; known keys and other addresses go on", async () => {
    const known = await apiKeyFor("guessed-at@example.com");
    const from = (ip: string, key: string) => call("/v1/submissions", { key, headers: { "cf-connecting-ip": ip } });
    expect((await from("203.0.113.9", known)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      statuses.push((await from("203.0.113.9", `sx_guess${String(i).padStart(2, "0")}${"g".repeat(36)}`)).status);
    }
    // 30 counted failures (and the one that finds the limit spent) are 401s, then 429s.
    const firstRefusal = statuses.indexOf(429);
    expect(firstRefusal).toBeGreaterThanOrEqual(30);
    expect(statuses.slice(0, firstRefusal).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(firstRefusal).every((s) => s === 429)).toBe(true);
    const refused = await from("203.0.113.9", `sx_guessZZ${"g".repeat(36)}`);
    const body = await expectProblem(refused, 429, "/problems/rate-limited");
    expect(body.detail).toMatch(/unknown API keys/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // A key this isolate knows still works from that address; another address is not refused.
    expect((await from("203.0.113.9", known)).status).toBe(200);
    expect((await from("198.51.100.7", `sx_other${"h".repeat(38)}`)).status).toBe(401);
  });
});

describe("ownership", () => {
  it("hides another user's submission behind the same 404 as an unknown id", async () => {
    const id = await submitAs("owner@example.com");
    const mine = await call(`/v1/submissions/${id}`, { key: await apiKeyFor("owner@example.com") });
    expect(mine.status).toBe(200);
    const theirs = await call(`/v1/submissions/${id}`, { key: await apiKeyFor("intruder@example.com") });
    const body = await expectProblem(theirs, 404, "/problems/not-found");
    const unknown = await call("/v1/submissions/sub_01JF0000000000000000000000", {
      key: await apiKeyFor("intruder@example.com"),
    });
    const unknownBody = await expectProblem(unknown, 404, "/problems/not-found");
    expect(body.detail.replace(id, "X")).toBe(unknownBody.detail.replace("sub_01JF0000000000000000000000", "X"));
    await waitForStatus(id, ["completed"]);
  });

  it("lists only the caller's submissions, newest first, with cursor paging and a status filter", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await submitAs("lister@example.com", `Request number ${i}. Please read it.`));
    await submitAs("someone-else@example.com");
    const key = await apiKeyFor("lister@example.com");

    const first = await (await call("/v1/submissions?limit=2", { key })).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(first.items.map((s) => s.id)).toEqual([ids[4], ids[3]]);
    expect(first.nextCursor).not.toBeNull();

    // A submission made between pages does not shift the next page.
    await submitAs("lister@example.com", "A late one. It arrives mid-paging.");
    const second = await (
      await call(`/v1/submissions?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? "")}`, { key })
    ).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(second.items.map((s) => s.id)).toEqual([ids[2], ids[1]]);
    const third = await (
      await call(`/v1/submissions?limit=2&cursor=${encodeURIComponent(second.nextCursor ?? "")}`, { key })
    ).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(third.items.map((s) => s.id)).toEqual([ids[0]]);
    expect(third.nextCursor).toBeNull();

    for (const id of ids) await waitForStatus(id, ["completed"]);
    const done = await (await call("/v1/submissions?status=completed&limit=100", { key })).json<{
      items: { id: string; status: string }[];
    }>();
    expect(done.items.every((s) => s.status === "completed")).toBe(true);
    expect(done.items.map((s) => s.id)).toEqual(expect.arrayContaining(ids));
  });

  it("rejects a forged cursor and bad query parameters", async () => {
    const key = await apiKeyFor();
    await expectProblem(await call("/v1/submissions?cursor=not-a-cursor", { key }), 400, "/problems/bad-cursor");
    await expectProblem(await call("/v1/submissions?limit=0", { key }), 422, "/problems/validation");
    await expectProblem(await call("/v1/submissions?limit=abc", { key }), 422, "/problems/validation");
    await expectProblem(await call("/v1/submissions?status=exploded", { key }), 422, "/problems/validation");
  });
});

describe("per-key rate limits", () => {
  it("counts each key's requests in RateLimit-* headers and answers 429 past the limit", async () => {
    const key = await apiKeyFor("busy@example.com");
    const first = await call("/v1/submissions", { key });
    const limit = Number(first.headers.get("ratelimit-limit"));
    expect(limit).toBe(Number(env.API_RATE_LIMIT_PER_MINUTE));
    expect(first.headers.get("ratelimit-policy")).toBe(`${limit};w=60`);
    const remaining = Number(first.headers.get("ratelimit-remaining"));
    const second = await call("/v1/submissions", { key });
    // A window boundary may fall between the two calls; then the count starts again.
    expect([remaining - 1, limit - 1]).toContain(Number(second.headers.get("ratelimit-remaining")));
    expect(Number(first.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);

    let refused: Response | null = null;
    // Room for one window reset during the loop, which would restart the count.
    for (let i = 0; i < 2 * limit + 2 && !refused; i++) {
      const res = await call("/v1/submissions", { key });
      if (res.status === 429) refused = res;
    }
    expect(refused).not.toBeNull();
    const body = await expectProblem(refused as Response, 429, "/problems/rate-limited");
    expect(body.detail).toContain(`${limit} requests a minute`);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused?.headers.get("ratelimit-remaining")).toBe("0");

    // Another key of another user is not affected.
    const calm = await call("/v1/submissions", { key: await apiKeyFor("calm@example.com") });
    expect(calm.status).toBe(200);
  });
});

describe("rate-limit leases", () => {
  it("never grants more than the limit, however the requests spread over isolates", async () => {
    const limit = Number(env.API_RATE_LIMIT_PER_MINUTE);
    expect(leaseSize(limit)).toBeGreaterThan(1);
    const key = await apiKeyFor("spread@example.com");
    let allowed = 0;
    let refused = 0;
    for (let i = 0; i < limit + 10; i++) {
      // Every third request lands on a "new isolate": the leased requests it held are lost.
      if (i % 3 === 2) forgetLeases();
      const res = await call("/v1/submissions", { key });
      if (res.status === 200) allowed++;
      else if (res.status === 429) refused++;
    }
    expect(allowed).toBeLessThanOrEqual(limit);
    expect(allowed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  it("serves a burst of the whole limit at once from one isolate, then refuses", async () => {
    forgetLeases();
    const limit = Number(env.API_RATE_LIMIT_PER_MINUTE);
    const key = await apiKeyFor("burst@example.com");
    // A second into a window, so no window boundary falls inside the test.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Math.ceil(Date.now() / 60_000) * 60_000 + 1_000);
    try {
      const burst = await Promise.all(Array.from({ length: limit }, () => call("/v1/submissions", { key })));
      // Every one served: no request is refused while leases taken for its neighbours sit unused.
      expect(burst.map((r) => r.status)).toEqual(Array.from({ length: limit }, () => 200));
      const next = await call("/v1/submissions", { key });
      expect(next.status).toBe(429);
      expect(next.headers.get("ratelimit-remaining")).toBe("0");
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives one isolate exactly the limit, with RateLimit-Remaining counting down by one", async () => {
    forgetLeases();
    const key = await apiKeyFor("steady@example.com");
    const seen: number[] = [];
    let allowed = 0;
    for (let i = 0; i < Number(env.API_RATE_LIMIT_PER_MINUTE) + 3; i++) {
      const res = await call("/v1/submissions", { key });
      if (res.status !== 200) break;
      allowed++;
      seen.push(Number(res.headers.get("ratelimit-remaining")));
    }
    // A window boundary may fall inside the loop; then the count starts again once.
    const limit = Number(env.API_RATE_LIMIT_PER_MINUTE);
    const restarts = seen.filter((r, i) => i > 0 && r !== (seen[i - 1] ?? 0) - 1).length;
    expect(restarts).toBeLessThanOrEqual(1);
    if (restarts === 0) {
      expect(allowed).toBe(limit);
      expect(seen).toEqual(Array.from({ length: limit }, (_, i) => limit - 1 - i));
    }
  });
});

describe("per-user rate limit", () => {
  it("refuses every key of a user once the user's own limit is spent, and other users go on", async () => {
    const email = `many-keys-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const first = await apiKeyFor(email);
    expect((await call("/v1/submissions", { key: first })).status).toBe(200);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    const userLimit = Number(env.API_RATE_LIMIT_PER_MINUTE) * USER_LIMIT_PER_KEY_LIMIT;
    // Spend the rest of the user's window in its RateLimiter object, as other keys would have.
    await env.RATE_LIMITER.getByName(userRateSubject(user?.id ?? "")).lease(userLimit, 60_000, userLimit);
    forgetLeases();
    const { key: fresh } = await createApiKey(db(env.DB), user?.id ?? "", "second", ["submissions:read"]);
    const res = await call("/v1/submissions", { key: fresh });
    // A window boundary between the lease and the call starts the count again.
    if (res.status !== 200) {
      const body = await expectProblem(res, 429, "/problems/rate-limited");
      expect(body.detail).toContain(`${userLimit} requests a minute over all its API keys`);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } else {
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(59);
    }
    expect((await call("/v1/submissions", { key: await apiKeyFor("calm@example.com") })).status).toBe(200);
  });
});
