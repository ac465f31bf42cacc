/**
 * Per-account sign-in backoff: failed passwords are counted per address, whatever the client
 * address, and past a few the address is refused for a growing time with one answer for every
 * address (registered or not) and every password (right or wrong).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../shared/crypto";
import { db } from "../shared/db/client";
import { createUser } from "../workers/auth/service";
import { hiddenField, latestMailLink, PortalClient, pathOf } from "./helpers/client";

const PASSWORD = "a long enough password";
const address = (tag: string) => `backoff-${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** One sign-in attempt from a new client address (a new IP every time). */
async function attempt(email: string, password: string) {
  const client = new PortalClient();
  const res = await client.post("/auth/signin", { email, password }, await client.page("/auth/signin"));
  return { res, html: await res.text(), signedIn: client.cookies.has("statex_session") };
}

async function failFiveTimes(email: string) {
  for (let i = 0; i < 5; i++) {
    const { res, html } = await attempt(email, `wrong password ${i}!`);
    expect(res.status).toBe(400);
    expect(html).toContain("That email and password do not match an account.");
  }
}

async function backoffRow(email: string) {
  return env.DB.prepare("SELECT failures, locked_until, updated_at FROM signin_failures WHERE subject = ?")
    .bind(await sha256Hex(email))
    .first<{ failures: number; locked_until: number; updated_at: number }>();
}

/** Lets the lock run out (moving its end into the past, as the clock would). */
async function expireLock(email: string) {
  await env.DB.prepare("UPDATE signin_failures SET locked_until = ? WHERE subject = ?")
    .bind(Date.now() - 1, await sha256Hex(email))
    .run();
}

describe("sign-in backoff per account", () => {
  it("refuses the right password for a minute after 5 failures from 5 different addresses", async () => {
    const email = address("real");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    await failFiveTimes(email);
    const locked = await attempt(email, PASSWORD);
    expect(locked.res.status).toBe(429);
    const retryAfter = Number(locked.res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(locked.html).toContain("Too many failed sign-ins for this address");
    expect(locked.signedIn).toBe(false);
    const row = await backoffRow(email);
    expect(row?.failures).toBe(5);
    expect((row?.locked_until ?? 0) - (row?.updated_at ?? 0)).toBe(60_000);
  });

  it("answers an unknown address exactly as a registered one, during the lock and before", async () => {
    const real = address("known");
    const ghost = address("ghost");
    await createUser(db(env.DB), { email: real, password: PASSWORD, verified: true });
    await failFiveTimes(real);
    await failFiveTimes(ghost);
    const a = await attempt(real, PASSWORD);
    const b = await attempt(ghost, PASSWORD);
    expect(b.res.status).toBe(a.res.status);
    // Both locks run out within the minute (the seconds left depend on when each began).
    for (const r of [a, b]) expect(Number(r.res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect([...b.res.headers.keys()]).toEqual([...a.res.headers.keys()]);
    // The pages differ only in the address echoed into the form (and its CSRF token).
    const normalise = (html: string, email: string) =>
      html.replaceAll(email, "EMAIL").replace(/name="_csrf" value="[^"]*"/, 'name="_csrf" value="X"');
    expect(normalise(b.html, ghost)).toBe(normalise(a.html, real));
  });

  it("doubles the lock with each failure after it ends, and a successful sign-in clears it", async () => {
    const email = address("doubling");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    await failFiveTimes(email);
    await expireLock(email);
    expect((await attempt(email, "wrong again, sixth")).res.status).toBe(400);
    let row = await backoffRow(email);
    expect(row?.failures).toBe(6);
    expect((row?.locked_until ?? 0) - (row?.updated_at ?? 0)).toBe(120_000);
    expect((await attempt(email, PASSWORD)).res.status).toBe(429);

    await expireLock(email);
    const ok = await attempt(email, PASSWORD);
    expect(ok.res.status).toBe(303);
    expect(ok.signedIn).toBe(true);
    row = await backoffRow(email);
    expect(row).toBeNull();
    expect((await attempt(email, "one more wrong password")).res.status).toBe(400);
  });

  it("lets the owner out of a lock by a password reset, which clears it", async () => {
    const email = address("reset");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    await failFiveTimes(email);
    expect((await attempt(email, PASSWORD)).res.status).toBe(429);
    const owner = new PortalClient();
    await owner.post("/auth/reset", { email }, await owner.page("/auth/reset"));
    const { link } = await latestMailLink(email, /\/auth\/reset\/confirm/);
    const form = await owner.page(pathOf(link));
    await owner.post(
      "/auth/reset/confirm",
      { token: hiddenField(form, "token") ?? "", password: "a fresh password!" },
      form,
    );
    expect(await backoffRow(email)).toBeNull();
    expect((await attempt(email, "a fresh password!")).res.status).toBe(303);
  });
});
