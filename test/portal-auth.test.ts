import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { db } from "../shared/db/client";
import { createApiKey, createUser, findUserByEmail } from "../workers/auth/service";
import { apiKeyFor, BASE, waitForStatus } from "./helpers/api";
import { hiddenField, latestMailLink, PortalClient, pathOf } from "./helpers/client";
import { signedInAs } from "./helpers/session";

const PASSWORD = "a long enough password";
let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;

/** Signs up through the forms and follows the verification link; returns a signed-in client. */
async function signUp(email = uniqueEmail("new")): Promise<PortalClient> {
  const client = new PortalClient();
  const form = await client.page("/auth/signup");
  const res = await client.post("/auth/signup", { email, password: PASSWORD, name: "Ada" }, form);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("Check your email");
  const { link } = await latestMailLink(email, /\/auth\/verify\?token=/);
  const confirm = await client.page(pathOf(link));
  const done = await client.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
  expect(done.status).toBe(303);
  expect(done.headers.get("location")).toBe("/app");
  return client;
}

describe("sign-up and email verification", () => {
  it("creates an account, emails a link, and the link signs the user in with a secure cookie", async () => {
    const email = uniqueEmail("signup");
    const client = new PortalClient();
    const form = await client.page("/auth/signup");
    await client.post("/auth/signup", { email, password: PASSWORD, name: "Ada" }, form);
    const { link, subject } = await latestMailLink(email, /\/auth\/verify\?token=/);
    expect(subject).toMatch(/Confirm your email/);

    // Opening the link does not use it up (mail scanners prefetch links).
    const confirm = await client.page(pathOf(link));
    await client.page(pathOf(link));
    const res = await client.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("statex_session="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(await client.page("/app")).toContain("Your requests");

    const row = await env.DB.prepare("SELECT email_verified_at, password_hash FROM users WHERE email = ?")
      .bind(email)
      .first<{ email_verified_at: number | null; password_hash: string }>();
    expect(row?.email_verified_at).toBeGreaterThan(0);
    expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
  });

  it("refuses a replayed verification link", async () => {
    const email = uniqueEmail("replay");
    const client = new PortalClient();
    await client.post("/auth/signup", { email, password: PASSWORD }, await client.page("/auth/signup"));
    const { link } = await latestMailLink(email, /\/auth\/verify/);
    const confirm = await client.page(pathOf(link));
    const token = hiddenField(confirm, "token") ?? "";
    expect((await client.post("/auth/verify", { token }, confirm)).headers.get("location")).toBe("/app");
    const again = await client.post("/auth/verify", { token }, confirm);
    expect(again.headers.get("location")).toBe("/auth/signin?m=link-invalid");
  });

  it("refuses an expired link", async () => {
    const email = uniqueEmail("expired");
    const client = new PortalClient();
    await client.post("/auth/signup", { email, password: PASSWORD }, await client.page("/auth/signup"));
    const { link } = await latestMailLink(email, /\/auth\/verify/);
    await env.DB.prepare("UPDATE auth_tokens SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(Date.now() - 1, email)
      .run();
    const confirm = await client.page(pathOf(link));
    const res = await client.post("/auth/verify", { token: hiddenField(confirm, "token") ?? "" }, confirm);
    expect(res.headers.get("location")).toBe("/auth/signin?m=link-invalid");
    expect(client.cookies.has("statex_session")).toBe(false);
  });

  it("answers a sign-up for a taken address exactly like a new one, and tells the owner", async () => {
    const email = uniqueEmail("taken");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    const client = new PortalClient();
    const res = await client.post(
      "/auth/signup",
      { email, password: "another password!", name: "Mallory" },
      await client.page("/auth/signup"),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Check your email");
    const { subject } = await latestMailLink(email, /\/auth\/signin/);
    expect(subject).toMatch(/already have a StateX account/);
  });

  it("rejects a short password and an invalid email with the reasons", async () => {
    const client = new PortalClient();
    const res = await client.post(
      "/auth/signup",
      { email: "nope", password: "short", name: "" },
      await client.page("/auth/signup"),
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Enter a valid email address.");
    expect(html).toContain("Use at least 10 characters.");
  });
});

describe("sign-in", () => {
  it("gives the same answer for a wrong password and an unknown address", async () => {
    const email = uniqueEmail("signin");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    const client = new PortalClient();
    const wrong = await client.post(
      "/auth/signin",
      { email, password: "wrong password!!" },
      await client.page("/auth/signin"),
    );
    const unknown = await client.post(
      "/auth/signin",
      { email: uniqueEmail("ghost"), password: PASSWORD },
      await client.page("/auth/signin"),
    );
    expect(wrong.status).toBe(400);
    expect(unknown.status).toBe(400);
    const message = "That email and password do not match an account.";
    expect(await wrong.text()).toContain(message);
    expect(await unknown.text()).toContain(message);
    expect(client.cookies.has("statex_session")).toBe(false);
  });

  it("rotates the session token at every sign-in", async () => {
    const email = uniqueEmail("rotate");
    const client = await signedInAs(email);
    const first = client.cookies.get("statex_session");
    // Signing in again over a live session (or a planted cookie) must mint a new token.
    const again = await client.post("/auth/signin", {
      email,
      password: PASSWORD,
      _csrf: client.cookies.get("statex_csrf") ?? "",
    });
    expect(again.status).toBe(303);
    expect(client.cookies.get("statex_session")).not.toBe(first);
  });

  it("does not follow a next= that leaves the portal", async () => {
    const email = uniqueEmail("next");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    const client = new PortalClient();
    const res = await client.post(
      "/auth/signin",
      { email, password: PASSWORD, next: "https://evil.example/steal" },
      await client.page("/auth/signin"),
    );
    expect(res.headers.get("location")).toBe("/app");
  });

  it("rejects a form without its CSRF token", async () => {
    const client = new PortalClient();
    await client.page("/auth/signin");
    const res = await client.post("/auth/signin", { email: "a@example.com", password: PASSWORD, _csrf: "forged" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("Form Expired");
  });

  it("rate-limits repeated attempts for one address", async () => {
    const email = uniqueEmail("limited");
    const client = new PortalClient();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await client.post(
        "/auth/signin",
        { email, password: "wrong password!!" },
        await client.page("/auth/signin"),
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5).every((s) => s === 400)).toBe(true);
    expect(statuses).toContain(429);
  });
});

describe("sessions", () => {
  it("signs out, and the old cookie no longer works", async () => {
    const client = await signedInAs(uniqueEmail("out"));
    const cookie = client.cookies.get("statex_session") ?? "";
    const html = await client.page("/app");
    const res = await client.post("/auth/signout", {}, html);
    expect(res.headers.get("location")).toBe("/auth/signin?m=signed-out");
    const replay = new PortalClient();
    replay.cookies.set("statex_session", cookie);
    const after = await replay.get("/app");
    expect(after.status).toBe(303);
    expect(after.headers.get("location")).toBe("/auth/signin?next=%2Fapp");
  });

  it("signs out everywhere", async () => {
    const email = uniqueEmail("everywhere");
    const laptop = await signedInAs(email);
    const phone = new PortalClient();
    await phone.post("/auth/signin", { email, password: PASSWORD }, await phone.page("/auth/signin"));
    expect((await phone.get("/app")).status).toBe(200);
    const profile = await laptop.page("/app/profile");
    await laptop.post("/app/sessions/revoke-all", {}, profile);
    expect((await phone.get("/app")).status).toBe(303);
    expect((await laptop.get("/app")).status).toBe(303);
  });

  it("expires a session left idle", async () => {
    const email = uniqueEmail("idle");
    const client = await signedInAs(email);
    await env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(Date.now() - 8 * 24 * 3600_000, email)
      .run();
    expect((await client.get("/app")).status).toBe(303);
  });

  it("rejects a signed-in form without the session's CSRF token", async () => {
    const client = await signedInAs(uniqueEmail("csrf"));
    const res = await client.post("/app/requests", { text: "Please do something useful.", _csrf: "nope" });
    expect(res.status).toBe(403);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM submissions").first<{ n: number }>()) ?? { n: -1 };
    expect(n).toBe(0);
  });
});

describe("magic link and password reset", () => {
  it("signs in by magic link, once", async () => {
    const email = uniqueEmail("magic");
    await createUser(db(env.DB), { email, password: PASSWORD, verified: true });
    const client = new PortalClient();
    const res = await client.post("/auth/magic", { email }, await client.page("/auth/magic"));
    expect(await res.text()).toContain("Check your email");
    const { link } = await latestMailLink(email, /\/auth\/magic\/confirm/);
    const confirm = await client.page(pathOf(link));
    const token = hiddenField(confirm, "token") ?? "";
    expect((await client.post("/auth/magic/confirm", { token }, confirm)).headers.get("location")).toBe("/app");
    const other = new PortalClient();
    const again = await other.post("/auth/magic/confirm", { token }, await other.page(pathOf(link)));
    expect(again.headers.get("location")).toBe("/auth/signin?m=link-invalid");
  });

  it("answers a magic-link request for an unknown address the same way, and sends nothing", async () => {
    const email = uniqueEmail("nobody");
    const client = new PortalClient();
    const res = await client.post("/auth/magic", { email }, await client.page("/auth/magic"));
    expect(await res.text()).toContain("Check your email");
    const mail = await env.SENT_MAIL.fetch(`http://sent-mail/?to=${encodeURIComponent(email)}`);
    expect(mail.status).toBe(404);
  });

  it("resets the password, ends every session, and the new password works", async () => {
    const email = uniqueEmail("reset");
    const old = await signedInAs(email);
    const client = new PortalClient();
    await client.post("/auth/reset", { email }, await client.page("/auth/reset"));
    const { link } = await latestMailLink(email, /\/auth\/reset\/confirm/);
    const form = await client.page(pathOf(link));
    const short = await client.post(
      "/auth/reset/confirm",
      { token: hiddenField(form, "token") ?? "", password: "short" },
      form,
    );
    expect(short.status).toBe(400);
    const res = await client.post(
      "/auth/reset/confirm",
      { token: hiddenField(form, "token") ?? "", password: "a brand new password" },
      form,
    );
    expect(res.headers.get("location")).toBe("/auth/signin?m=password-changed");
    expect((await old.get("/app")).status).toBe(303);
    const fresh = new PortalClient();
    const signin = await fresh.post(
      "/auth/signin",
      { email, password: "a brand new password" },
      await fresh.page("/auth/signin"),
    );
    expect(signin.status).toBe(303);
    const stale = new PortalClient();
    const oldPassword = await stale.post(
      "/auth/signin",
      { email, password: PASSWORD },
      await stale.page("/auth/signin"),
    );
    expect(oldPassword.status).toBe(400);
  });
});

describe("portal pages", () => {
  it("sends a request from the form and shows its sanitised result", async () => {
    const client = await signUp();
    const form = await client.page("/app/requests/new");
    const res = await client.post(
      "/app/requests",
      {
        text: 'Please review our plan. <script>alert("x")</script> The plan has <img src=x onerror=alert(1)> three parts.',
      },
      form,
    );
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/app\/requests\/sub_/);
    const id = location.split("/").at(-1) ?? "";
    await waitForStatus(id, ["completed"]);
    const detail = await client.page(location);
    expect(detail).toContain("<h2>Result</h2>");
    expect(detail).toContain('data-step="analyse"');
    expect(detail).not.toMatch(/<script>alert/);
    // The request is shown as the user typed it, escaped: no element carries the handler.
    expect(detail).not.toMatch(/<[^<>]*\sonerror=/i);
    expect(detail).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const list = await client.page("/app");
    expect(list).toContain(id);
  });

  it("sets a CSP that forbids inline script on every page", async () => {
    const client = await signedInAs(uniqueEmail("csp"));
    for (const path of ["/app", "/app/profile", "/app/requests/new", "/auth/signin"]) {
      const res = await client.get(path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle="/);
      expect(html).not.toMatch(/<style/);
    }
  });

  it("never shows another user's request", async () => {
    const owner = await signedInAs(uniqueEmail("owner"));
    const html = await owner.page("/app/requests/new");
    const res = await owner.post("/app/requests", { text: "Private matters. Please summarise them." }, html);
    const location = res.headers.get("location") ?? "";
    const other = await signedInAs(uniqueEmail("other"));
    const peek = await other.get(location);
    expect(peek.status).toBe(404);
    expect(await peek.text()).not.toContain("Private matters");
    expect(await other.page("/app")).not.toContain(location.split("/").at(-1) ?? "x");
  });

  it("creates an API key shown once, which then works against the API, and revokes it", async () => {
    const client = await signedInAs(uniqueEmail("keys"));
    const profile = await client.page("/app/profile");
    const res = await client.post(
      "/app/keys",
      { name: "laptop", scopes: ["submissions:read", "submissions:write"] },
      profile,
    );
    const html = await res.text();
    const key = /data-new-api-key[^>]*>([^<]+)</.exec(html)?.[1] ?? "";
    expect(key).toMatch(/^sx_/);
    expect(await client.page("/app/profile")).not.toContain(key);

    const { exports } = await import("cloudflare:workers");
    const api = await exports.default.fetch("http://statex.test/v1/submissions", {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(api.status).toBe(200);

    const again = await client.page("/app/profile");
    const revokeAction = /action="(\/app\/keys\/key_[^"]+\/revoke)"/.exec(again)?.[1] ?? "";
    await client.post(revokeAction, {}, again);
    const after = await exports.default.fetch("http://statex.test/v1/submissions", {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(after.status).toBe(401);
  });

  it("keeps the admin page from non-admins and lets admins disable a user", async () => {
    const user = await signedInAs(uniqueEmail("plain"));
    expect((await user.get("/app/admin")).status).toBe(404);
    const targetEmail = uniqueEmail("target");
    const target = await signedInAs(targetEmail);
    // The target's API key has just been used, so this isolate remembers it (key-cache.ts).
    const targetKey = await apiKeyFor(targetEmail);
    const byKey = () =>
      exports.default.fetch(`${BASE}/v1/submissions`, { headers: { authorization: `Bearer ${targetKey}` } });
    expect((await byKey()).status).toBe(200);
    const { postSubmission: post } = await import("./helpers/api");
    const { id: someoneElses } = await (
      await post({ text: "Visible to admins. Only them.", email: targetEmail })
    ).json<{
      id: string;
    }>();
    const admin = await signedInAs(uniqueEmail("admin"), "admin");
    const page = await admin.page("/app/admin");
    expect(page).toContain(targetEmail);
    // Every user's requests are listed for admins.
    expect(page).toContain(`/app/requests/${someoneElses}`);
    const targetId = (
      await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(targetEmail).first<{ id: string }>()
    )?.id;
    const res = await admin.post(`/app/admin/users/${targetId}`, { action: "disable" }, page);
    expect(res.status).toBe(303);
    expect((await target.get("/app")).status).toBe(303);
    // Disabling forgets the remembered key at once: no grace period in this isolate.
    expect((await byKey()).status).toBe(401);
  });

  it("updates the profile and rejects an unknown time zone", async () => {
    const client = await signedInAs(uniqueEmail("profile"));
    const form = await client.page("/app/profile");
    const bad = await client.post("/app/profile", { name: "Ada", locale: "cs", timeZone: "Mars/Olympus" }, form);
    expect(await bad.text()).toContain("Unknown time zone.");
    const ok = await client.post("/app/profile", { name: "Ada L.", locale: "cs", timeZone: "Europe/Prague" }, form);
    expect(ok.headers.get("location")).toBe("/app/profile?m=saved");
    const html = await client.page("/app/profile");
    expect(html).toContain('value="Ada L."');
    expect(html).toContain('value="Europe/Prague"');
    // The digest's hour is the user's own.
    expect(html).toContain("07:00 in your time zone (Europe/Prague)");
  });

  it("downloads the data archive and deletes the account from the profile page", async () => {
    const email = uniqueEmail("bye");
    const client = await signedInAs(email);
    const archive = await client.get("/app/account/export");
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/zip");
    await archive.arrayBuffer();
    const profile = await client.page("/app/profile");
    const wrong = await client.post("/app/account/delete", { confirm: "not-me@example.com" }, profile);
    expect(await wrong.text()).toContain("Type your email address exactly");
    const res = await client.post("/app/account/delete", { confirm: email }, profile);
    expect(res.headers.get("location")).toBe("/auth/signin?m=account-deleted");
    expect(
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>())?.n,
    ).toBe(0);
    expect((await client.get("/app")).status).toBe(303);
  });

  it("cancels a running request from its page, and refuses to cancel a finished one", async () => {
    const { postSubmission: post, apiKeyFor: keyFor } = await import("./helpers/api");
    const email = uniqueEmail("canceller");
    await keyFor(email);
    // The `reviewed` workflow waits for an admin before delivery: still running when we cancel.
    const res = await post({ text: "Hold this for review. Then I change my mind.", email, workflow: "reviewed" });
    const { id } = await res.json<{ id: string }>();
    const client = new PortalClient();
    await client.post("/auth/signin", { email, password: "correct horse battery" }, await client.page("/auth/signin"));
    const page = await client.page(`/app/requests/${id}`);
    expect(page).toContain("Cancel this request");
    const cancel = await client.post(`/app/requests/${id}/cancel`, {}, page);
    expect(cancel.headers.get("location")).toBe(`/app/requests/${id}?m=cancelled`);
    expect((await waitForStatus(id, ["cancelled"])).status).toBe("cancelled");
    const after = await client.page(`/app/requests/${id}`);
    expect(after).not.toContain("Cancel this request");
    const again = await client.post(`/app/requests/${id}/cancel`, {}, after);
    expect(again.headers.get("location")).toBe(`/app/requests/${id}?m=not-cancellable`);

    const stranger = await signedInAs(uniqueEmail("stranger"));
    const theirs = await stranger.post(`/app/requests/${id}/cancel`, {}, await stranger.page("/app"));
    expect(theirs.status).toBe(404);
  });

  it("mails admins when a result waits for review, and lets an admin approve or reject it in the portal", async () => {
    const { postSubmission: post, apiKeyFor: keyFor } = await import("./helpers/api");
    const adminEmail = uniqueEmail("reviewer");
    const admin = await signedInAs(adminEmail, "admin");
    const owner = uniqueEmail("reviewed-owner");
    await keyFor(owner);
    const waiting = async (id: string) =>
      vi.waitFor(
        async () => {
          const { env: e } = await import("cloudflare:workers");
          const snap = await e.JOB_COORDINATOR.getByName(id).snapshot();
          if (snap?.review?.status !== "waiting") throw new Error("not yet");
        },
        { timeout: 15_000, interval: 50 },
      );

    const first = (
      await (
        await post({ text: "Check before sending. Thanks.", email: owner, workflow: "reviewed" })
      ).json<{ id: string }>()
    ).id;
    await waiting(first);
    // The admin is also told of the new request (staff.new_request): read the review mail itself.
    const { subject, link } = await latestMailLink(adminEmail, /\/app\/desk\//, "Review needed");
    expect(subject).toBe(`Review needed: StateX request ${first}`);
    expect(link).toContain(`/app/desk/${first}`);
    const page = await admin.page(`/app/requests/${first}`);
    expect(page).toContain("Approve and deliver");
    const approved = await admin.post(`/app/requests/${first}/review`, { decision: "approve" }, page);
    expect(approved.headers.get("location")).toBe(`/app/requests/${first}?m=approved`);
    expect((await waitForStatus(first, ["completed", "failed"])).status).toBe("completed");

    const second = (
      await (
        await post({ text: "This one is wrong. Stop it.", email: owner, workflow: "reviewed" })
      ).json<{ id: string }>()
    ).id;
    await waiting(second);
    const page2 = await admin.page(`/app/requests/${second}`);
    await admin.post(`/app/requests/${second}/review`, { decision: "reject" }, page2);
    expect((await waitForStatus(second, ["completed", "failed"])).status).toBe("failed");

    // Only admins decide.
    const ownerClient = new PortalClient();
    await ownerClient.post(
      "/auth/signin",
      { email: owner, password: "correct horse battery" },
      await ownerClient.page("/auth/signin"),
    );
    const mine = await ownerClient.page(`/app/requests/${second}`);
    expect(mine).not.toContain("Approve and deliver");
    const denied = await ownerClient.post(`/app/requests/${second}/review`, { decision: "approve" }, mine);
    expect(denied.status).toBe(404);
  });
});

describe("account hardening", () => {
  /** Everything of a response but the headers that name the request. */
  async function answer(res: Response) {
    const headers = [...res.headers].filter(([name]) => !/^(x-request-id|traceparent|server-timing)$/i.test(name));
    return { status: res.status, headers, body: await res.text() };
  }

  for (const path of ["/auth/magic", "/auth/reset"]) {
    it(`answers ${path} byte for byte the same for a real and an unknown address`, async () => {
      const real = uniqueEmail("parity-real");
      await createUser(db(env.DB), { email: real, password: PASSWORD, verified: true });
      const client = new PortalClient();
      const form = await client.page(path);
      const a = await answer(await client.post(path, { email: real }, form));
      const b = await answer(await client.post(path, { email: uniqueEmail("parity-ghost") }, form));
      expect(b).toEqual(a);
      // The real address still gets its link (sent after the answer, in waitUntil).
      await latestMailLink(real, path === "/auth/magic" ? /\/auth\/magic\/confirm/ : /\/auth\/reset\/confirm/);
    });
  }

  it("says on the reset page that a reset ends every session and revokes every API key, and does so", async () => {
    const email = uniqueEmail("reset-keys");
    const old = await signedInAs(email);
    const key = await apiKeyFor(email);
    const { exports } = await import("cloudflare:workers");
    const api = () =>
      exports.default.fetch("http://statex.test/v1/submissions", { headers: { authorization: `Bearer ${key}` } });
    expect((await api()).status).toBe(200); // now in this isolate's key cache
    const client = new PortalClient();
    await client.post("/auth/reset", { email }, await client.page("/auth/reset"));
    const { link } = await latestMailLink(email, /\/auth\/reset\/confirm/);
    const form = await client.page(pathOf(link));
    expect(form).toContain("signs you out on every device and revokes every API key");
    const res = await client.post(
      "/auth/reset/confirm",
      { token: hiddenField(form, "token") ?? "", password: "a brand new password" },
      form,
    );
    expect(res.headers.get("location")).toBe("/auth/signin?m=password-changed");
    expect(await client.page("/auth/signin?m=password-changed")).toContain("API keys are revoked");
    expect((await api()).status).toBe(401);
    expect((await old.get("/app")).status).toBe(303);
  });

  it("sets a password only on a passwordless account; one with a password changes it by reset", async () => {
    const email = uniqueEmail("set-password");
    const client = await signedInAs(email);
    const profile = await client.page("/app/profile");
    expect(profile).not.toContain('action="/app/password"');
    expect(profile).toContain("ask for a reset link");
    const res = await client.post("/app/password", { password: "an attacker's new password" }, profile);
    expect(await res.text()).toContain("You have a password already");
    const fresh = new PortalClient();
    const signin = await fresh.post("/auth/signin", { email, password: PASSWORD }, await fresh.page("/auth/signin"));
    expect(signin.status).toBe(303);
  });

  it("refuses a 26th API key with a clear message, and a revoked key frees its place", async () => {
    const email = uniqueEmail("key-cap");
    const client = await signedInAs(email);
    const user = await findUserByEmail(db(env.DB), email);
    const cap = Number(env.API_KEYS_PER_USER);
    expect(cap).toBe(25);
    for (let i = 0; i < cap - 1; i++) await createApiKey(db(env.DB), user?.id ?? "", `k${i}`, ["submissions:read"]);
    const profile = await client.page("/app/profile");
    const last = await client.post("/app/keys", { name: "25th", scopes: ["submissions:read"] }, profile);
    expect(last.status).toBe(200);
    expect(await last.text()).toContain("data-new-api-key");
    const over = await client.post("/app/keys", { name: "26th", scopes: ["submissions:read"] }, profile);
    expect(over.status).toBe(409);
    const html = await over.text();
    expect(html).toContain("You have 25 active API keys, the most an account may have.");
    expect(html).not.toContain("data-new-api-key");
    await expect(createApiKey(db(env.DB), user?.id ?? "", "direct", ["submissions:read"])).rejects.toMatchObject({
      status: 409,
      slug: "api-key-limit",
    });
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ? AND revoked_at IS NULL")
      .bind(user?.id)
      .first<{ n: number }>()) ?? { n: -1 };
    expect(n).toBe(25);
    const again = await client.page("/app/profile");
    const revokeAction = /action="(\/app\/keys\/key_[^"]+\/revoke)"/.exec(again)?.[1] ?? "";
    await client.post(revokeAction, {}, again);
    const freed = await client.post("/app/keys", { name: "again", scopes: ["submissions:read"] }, again);
    expect(await freed.text()).toContain("data-new-api-key");
  });
});
