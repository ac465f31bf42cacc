/**
 * The `staff` role: invitations by an admin through an emailed single-use link, accepting them
 * (a password only when the account needs one), what staff may see (every request, by API and
 * in the portal) and what a lower role takes away (every session and API key at once).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { createApiKey, createUser, findUserByEmail } from "../workers/auth/service";
import { api, apiKeyFor, postSubmission } from "./helpers/api";
import { hiddenField, latestMailLink, PortalClient, pathOf } from "./helpers/client";
import { signedInAs, TEST_PASSWORD } from "./helpers/session";

let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;
const NEW_PASSWORD = "another long enough password";

const userRow = (email: string) =>
  env.DB.prepare("SELECT id, role, email_verified_at, password_hash FROM users WHERE email = ?")
    .bind(email)
    .first<{ id: string; role: string; email_verified_at: number | null; password_hash: string | null }>();

const auditActions = (targetId: string) =>
  env.DB.prepare("SELECT action, actor_id, actor_type FROM audit_log WHERE target_id = ? ORDER BY id")
    .bind(targetId)
    .all<{ action: string; actor_id: string | null; actor_type: string }>()
    .then((r) => r.results);

/** An admin's client that sends an invitation to `email` from the admin page's form. */
async function invite(email: string) {
  const admin = await signedInAs(uniqueEmail("admin"), "admin");
  const page = await admin.page("/app/admin");
  expect(page).toContain('action="/app/admin/staff"');
  const res = await admin.post("/app/admin/staff", { email }, page);
  return { admin, res };
}

/** The invitation link mailed to `email`, as a path. */
async function invitationLink(email: string) {
  const { link, subject } = await latestMailLink(email, /\/auth\/invite\?token=/);
  expect(subject).toMatch(/invited/);
  return pathOf(link);
}

describe("staff invitations", () => {
  it("invites a new address: the link asks for a password, makes the account staff once, and both steps are audited", async () => {
    const email = uniqueEmail("newstaff");
    const { admin, res } = await invite(email);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/app/admin?m=staff-invited");
    // The account exists before acceptance, with no password and no privilege yet.
    const before = await userRow(email);
    expect(before).toMatchObject({ role: "user", email_verified_at: null, password_hash: null });

    const link = await invitationLink(email);
    const invitee = new PortalClient();
    const form = await invitee.page(link);
    await invitee.page(link); // opening it twice (mail scanners) uses nothing up
    expect(form).toContain(email);
    expect(form).toContain('name="password"');
    expect((await userRow(email))?.role).toBe("user");

    // A short password is refused and the link still works.
    const short = await invitee.post(
      "/auth/invite",
      { token: hiddenField(form, "token") ?? "", password: "short" },
      form,
    );
    expect(short.status).toBe(400);
    expect((await userRow(email))?.role).toBe("user");

    const accepted = await invitee.post(
      "/auth/invite",
      { token: hiddenField(form, "token") ?? "", password: NEW_PASSWORD },
      form,
    );
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get("location")).toBe("/app");
    const after = await userRow(email);
    expect(after?.role).toBe("staff");
    expect(after?.email_verified_at).not.toBeNull();
    expect(after?.password_hash).not.toBeNull();
    expect((await invitee.get("/app")).status).toBe(200); // signed in

    // The link worked once.
    const again = await new PortalClient().get(link);
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe("/auth/signin?m=link-invalid");

    const actions = await auditActions(before?.id ?? "");
    expect(actions.map((a) => a.action)).toEqual(["staff.invited", "staff.joined"]);
    expect(actions[0]?.actor_type).toBe("admin");
    expect(actions[1]).toMatchObject({ actor_id: before?.id, actor_type: "staff" });
    expect(await admin.page("/app/admin")).toContain(email);
  });

  it("an existing verified user accepts without a new password and keeps the one they had", async () => {
    const email = uniqueEmail("existing");
    await createUser(db(env.DB), { email, password: TEST_PASSWORD, verified: true });
    const hash = (await userRow(email))?.password_hash;
    await invite(email);
    const invitee = new PortalClient();
    const form = await invitee.page(await invitationLink(email));
    expect(form).not.toContain('name="password"');
    const res = await invitee.post("/auth/invite", { token: hiddenField(form, "token") ?? "" }, form);
    expect(res.status).toBe(303);
    expect(await userRow(email)).toMatchObject({ role: "staff", password_hash: hash });
  });

  it("an unverified account must choose a new password: one set before the mailbox was proven may be a stranger's", async () => {
    const email = uniqueEmail("squatted");
    await createUser(db(env.DB), { email, password: "the squatter's password" });
    const squatterHash = (await userRow(email))?.password_hash;
    await invite(email);
    const invitee = new PortalClient();
    const form = await invitee.page(await invitationLink(email));
    expect(form).toContain('name="password"');
    const empty = await invitee.post("/auth/invite", { token: hiddenField(form, "token") ?? "" }, form);
    expect(empty.status).toBe(400);
    await invitee.post("/auth/invite", { token: hiddenField(form, "token") ?? "", password: NEW_PASSWORD }, form);
    const after = await userRow(email);
    expect(after?.role).toBe("staff");
    expect(after?.password_hash).not.toBe(squatterHash);
  });

  it("refuses a bad address, an account already staff and a disabled one, and sends nothing", async () => {
    const staff = uniqueEmail("already");
    await createUser(db(env.DB), { email: staff, role: "staff", verified: true });
    const disabled = uniqueEmail("disabled");
    await createUser(db(env.DB), { email: disabled, verified: true });
    await env.DB.prepare("UPDATE users SET disabled_at = 1 WHERE email = ?").bind(disabled).run();
    for (const [email, code] of [
      ["not an address", "invite-bad-address"],
      [staff, "invite-already-staff"],
      [disabled, "invite-disabled"],
    ] as const) {
      const { admin, res } = await invite(email);
      expect(res.headers.get("location")).toBe(`/app/admin?m=${code}`);
      expect(await admin.page(`/app/admin?m=${code}`)).toContain('class="flash');
    }
    const tokens = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.purpose = 'staff-invite' AND u.email IN (?, ?)",
    )
      .bind(staff, disabled)
      .first<{ n: number }>();
    expect(tokens?.n).toBe(0);
  });

  it("only admins invite: staff and users get the same 404 as a path that does not exist", async () => {
    for (const role of ["staff", "user"] as const) {
      const client = await signedInAs(uniqueEmail(role), role);
      const page = await client.page("/app");
      const target = uniqueEmail("target");
      const res = await client.post("/app/admin/staff", { email: target }, page);
      expect(res.status).toBe(404);
      expect(await findUserByEmail(db(env.DB), target)).toBeNull();
    }
  });
});

describe("what staff see and lose", () => {
  it("staff see another user's request by API and in the portal; another user does not", async () => {
    const owner = uniqueEmail("owner");
    const posted = await postSubmission(
      { text: "A request only its owner and staff may read." },
      {
        authorization: `Bearer ${await apiKeyFor(owner)}`,
      },
    );
    const { id } = (await posted.json()) as { id: string };
    const staffKey = await apiKeyFor(uniqueEmail("staffkey"), { role: "staff" });
    const strangerKey = await apiKeyFor(uniqueEmail("strangerkey"));
    expect((await api(staffKey, "GET", `/v1/submissions/${id}`)).status).toBe(200);
    expect((await api(strangerKey, "GET", `/v1/submissions/${id}`)).status).toBe(404);
    const staff = await signedInAs(uniqueEmail("staffportal"), "staff");
    expect(await staff.page(`/app/requests/${id}`)).toContain(id);
    const stranger = await signedInAs(uniqueEmail("strangerportal"));
    expect((await stranger.get(`/app/requests/${id}`)).status).toBe(404);
  });

  it("removing staff ends every session and revokes every API key at once; raising a role keeps them", async () => {
    const email = uniqueEmail("removed");
    const member = await signedInAs(email, "staff");
    const row = await userRow(email);
    const { key } = await createApiKey(db(env.DB), row?.id ?? "", "desk", ["submissions:read"]);
    expect((await api(key, "GET", "/v1/submissions")).status).toBe(200);

    const admin = await signedInAs(uniqueEmail("admin"), "admin");
    const page = await admin.page("/app/admin");
    expect(page).toContain("Remove from staff");
    const raised = await admin.post(`/app/admin/users/${row?.id}`, { action: "make-admin" }, page);
    expect(raised.headers.get("location")).toBe("/app/admin?m=user-updated");
    expect((await userRow(email))?.role).toBe("admin");
    expect((await member.get("/app")).status).toBe(200);
    expect((await api(key, "GET", "/v1/submissions")).status).toBe(200);

    await admin.post(`/app/admin/users/${row?.id}`, { action: "make-user" }, page);
    expect((await userRow(email))?.role).toBe("user");
    const signedOut = await member.get("/app");
    expect(signedOut.status).toBe(303);
    expect(signedOut.headers.get("location")).toMatch(/^\/auth\/signin/);
    expect((await api(key, "GET", "/v1/submissions")).status).toBe(401);
    const changes = (await auditActions(row?.id ?? "")).filter((a) => a.action === "user.role_changed");
    expect(changes).toHaveLength(2);
  });
});
