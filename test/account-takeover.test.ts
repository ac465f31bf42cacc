/**
 * Pre-account takeover: an attacker signs up with the victim's address and a password of their
 * own. Whatever way the victim later proves the mailbox — the verification link opened in
 * their own browser, a magic link, a password reset, or confirming a request sent by email —
 * the attacker's password, sessions and API keys must be dead afterwards.
 */
import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { randomToken, sha256Hex } from "../shared/crypto";
import { db } from "../shared/db/client";
import { createApiKey, createSession, findUserByEmail } from "../workers/auth/service";
import { BASE } from "./helpers/api";
import { hiddenField, latestMailLink, PortalClient, pathOf } from "./helpers/client";
import { deliverMail, plainMail } from "./helpers/mail";

const ATTACKER_PASSWORD = "the attacker's own password";
const VICTIM_PASSWORD = "the victim's chosen password";
const victimAddress = (tag: string) => `victim-${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

interface Attacker {
  browser: PortalClient;
  /** A session cookie and an API key for the unverified account, planted straight in D1. */
  sessionToken: string;
  apiKey: string;
}

/**
 * The attacker signs up with the victim's address. No flow hands an unverified account a
 * session or an API key, so the test plants both in D1, as an older or future flow might: the
 * defence must not depend on their absence.
 */
async function attackerSignsUp(email: string): Promise<Attacker> {
  const browser = new PortalClient();
  const res = await browser.post(
    "/auth/signup",
    { email, password: ATTACKER_PASSWORD, name: "Mallory" },
    await browser.page("/auth/signup"),
  );
  expect(res.status).toBe(200);
  const d = db(env.DB);
  const user = await findUserByEmail(d, email);
  expect(user?.emailVerifiedAt).toBeNull();
  const { token } = await createSession(d, user?.id ?? "");
  const apiKey = `sx_${randomToken(32)}`;
  await env.DB.prepare(
    "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES (?, ?, 'planted', ?, ?, 'submissions:read submissions:write', ?)",
  )
    .bind(`key_planted_${crypto.randomUUID()}`, user?.id, apiKey.slice(0, 11), await sha256Hex(apiKey), Date.now())
    .run();
  browser.cookies.set("statex_session", token);
  // The verification mail goes out after the answer: let it arrive before any later mail.
  await latestMailLink(email, /\/auth\/verify\?token=/);
  return { browser, sessionToken: token, apiKey };
}

const apiWith = (key: string) =>
  exports.default.fetch(`${BASE}/v1/submissions`, { headers: { authorization: `Bearer ${key}` } });

async function signInStatus(email: string, password: string): Promise<number> {
  const client = new PortalClient();
  const res = await client.post("/auth/signin", { email, password }, await client.page("/auth/signin"));
  if (res.status === 303) expect(client.cookies.has("statex_session")).toBe(true);
  return res.status;
}

/** Every credential the attacker held is dead. */
async function expectAttackerLockedOut(email: string, attacker: Attacker) {
  expect(await signInStatus(email, ATTACKER_PASSWORD)).toBe(400);
  const page = await attacker.browser.get("/app");
  expect(page.status).toBe(303);
  expect(page.headers.get("location")).toBe("/auth/signin?next=%2Fapp");
  expect((await apiWith(attacker.apiKey)).status).toBe(401);
  const row = await env.DB.prepare("SELECT password_hash, email_verified_at FROM users WHERE email = ?")
    .bind(email)
    .first<{ password_hash: string | null; email_verified_at: number | null }>();
  expect(row?.email_verified_at).toBeGreaterThan(0);
  const live = await env.DB.prepare(
    "SELECT (SELECT COUNT(*) FROM sessions s WHERE s.token_hash = ? AND s.revoked_at IS NULL) AS sessions, (SELECT COUNT(*) FROM api_keys k WHERE k.key_hash = ? AND k.revoked_at IS NULL) AS keys",
  )
    .bind(await sha256Hex(attacker.sessionToken), await sha256Hex(attacker.apiKey))
    .first<{ sessions: number; keys: number }>();
  expect(live).toEqual({ sessions: 0, keys: 0 });
}

/** The signed-in victim sets a password on the profile page, and it works. */
async function victimSetsPassword(victim: PortalClient, email: string) {
  const profile = await victim.page("/app/profile");
  expect(profile).toContain("Set a password");
  const res = await victim.post("/app/password", { password: VICTIM_PASSWORD }, profile);
  expect(res.status).toBe(303);
  expect(await signInStatus(email, VICTIM_PASSWORD)).toBe(303);
}

describe("pre-account takeover", () => {
  it("gives an unverified account no working session or API key", async () => {
    const email = victimAddress("unverified");
    const attacker = await attackerSignsUp(email);
    expect((await attacker.browser.get("/app")).status).toBe(303);
    expect((await apiWith(attacker.apiKey)).status).toBe(401);
    // The right password of an unverified account signs nobody in: it mails a new link.
    const res = await attacker.browser.post(
      "/auth/signin",
      { email, password: ATTACKER_PASSWORD },
      await attacker.browser.page("/auth/signin"),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Confirm your email address first");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("statex_session="))).toBe(false);
    const user = await findUserByEmail(db(env.DB), email);
    await expect(createApiKey(db(env.DB), user?.id ?? "", "mine", ["submissions:read"])).rejects.toMatchObject({
      status: 403,
      slug: "unverified",
    });
  });

  it("drops the attacker's password, session and API key when the victim opens the verification link in their own browser", async () => {
    const email = victimAddress("verify");
    const attacker = await attackerSignsUp(email);
    const { link } = await latestMailLink(email, /\/auth\/verify\?token=/);
    const victim = new PortalClient();
    const confirm = await victim.page(pathOf(link));
    const res = await victim.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/app/profile?m=password-removed");
    const profile = await victim.page(res.headers.get("location") ?? "");
    expect(profile).toContain("removed the password");
    await expectAttackerLockedOut(email, attacker);
    await victimSetsPassword(victim, email);
  });

  it("keeps the password when the link is opened in the browser that signed up", async () => {
    const email = victimAddress("same-browser");
    const owner = new PortalClient();
    await owner.post("/auth/signup", { email, password: VICTIM_PASSWORD }, await owner.page("/auth/signup"));
    const { link } = await latestMailLink(email, /\/auth\/verify\?token=/);
    const confirm = await owner.page(pathOf(link));
    const res = await owner.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.headers.get("location")).toBe("/app");
    expect(await signInStatus(email, VICTIM_PASSWORD)).toBe(303);
  });

  it("does not keep the password for a browser whose sign-up cookie belongs to another account", async () => {
    const email = victimAddress("other-cookie");
    const attacker = await attackerSignsUp(email);
    // The victim's browser holds a sign-up cookie of its own (another sign-up).
    const victim = new PortalClient();
    await victim.post(
      "/auth/signup",
      { email: victimAddress("other"), password: VICTIM_PASSWORD },
      await victim.page("/auth/signup"),
    );
    expect(victim.cookies.has("statex_signup")).toBe(true);
    const { link } = await latestMailLink(email, /\/auth\/verify\?token=/);
    const confirm = await victim.page(pathOf(link));
    const res = await victim.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.headers.get("location")).toBe("/app/profile?m=password-removed");
    await expectAttackerLockedOut(email, attacker);
  });

  it("drops the attacker's credentials when the victim signs in by magic link", async () => {
    const email = victimAddress("magic");
    const attacker = await attackerSignsUp(email);
    const victim = new PortalClient();
    await victim.post("/auth/magic", { email }, await victim.page("/auth/magic"));
    const { link } = await latestMailLink(email, /\/auth\/magic\/confirm/);
    const confirm = await victim.page(pathOf(link));
    const res = await victim.post("/auth/magic/confirm", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.headers.get("location")).toBe("/app/profile?m=password-removed");
    await expectAttackerLockedOut(email, attacker);
    await victimSetsPassword(victim, email);
  });

  it("drops the attacker's credentials when the victim resets the password", async () => {
    const email = victimAddress("reset");
    const attacker = await attackerSignsUp(email);
    const victim = new PortalClient();
    await victim.post("/auth/reset", { email }, await victim.page("/auth/reset"));
    const { link } = await latestMailLink(email, /\/auth\/reset\/confirm/);
    const form = await victim.page(pathOf(link));
    const res = await victim.post(
      "/auth/reset/confirm",
      { token: hiddenField(form, "token") ?? "", password: VICTIM_PASSWORD },
      form,
    );
    expect(res.headers.get("location")).toBe("/auth/signin?m=password-changed");
    await expectAttackerLockedOut(email, attacker);
    expect(await signInStatus(email, VICTIM_PASSWORD)).toBe(303);
  });

  it("drops the attacker's credentials when the victim confirms a request sent by email", async () => {
    const email = victimAddress("mail");
    const attacker = await attackerSignsUp(email);
    const delivery = await deliverMail(plainMail({ from: email, text: "Please summarise: prices rose 8%." }), {
      from: email,
      to: "requests@statex.localhost",
    });
    const reply = await PostalMime.parse(delivery.replies[0] ?? "");
    const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(reply.text ?? "")?.[1] ?? "";
    expect(path).not.toBe("");
    const preview = await exports.default.fetch(`http://127.0.0.1:8787${path}`);
    expect(await preview.text()).toContain("never confirmed: confirming makes it yours");
    const res = await exports.default.fetch(`http://127.0.0.1:8787${path}`, { method: "POST" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Request confirmed");
    expect(html).toContain("removed");
    await expectAttackerLockedOut(email, attacker);
  });
});
