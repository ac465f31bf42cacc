import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { createRoute } from "../shared/mail/routes/repo";
import { createUser } from "../workers/auth/service";
import { BASE } from "./helpers/api";
import { deliverMail, plainMail } from "./helpers/mail";
import { ROUTE, uniqueDomain } from "./helpers/routes";
import { signedInAs } from "./helpers/session";

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
const domain = uniqueDomain;

const route = ROUTE;

async function inboundRow(sender: string) {
  return env.DB.prepare("SELECT status, reason, recipient, raw_key FROM inbound_emails WHERE sender = ?")
    .bind(sender)
    .first<{ status: string; reason: string | null; recipient: string; raw_key: string | null }>();
}

function confirmPath(raw: string | undefined): string {
  const match = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(raw ?? "");
  expect(match, "the acknowledgement carries a confirmation link").toBeTruthy();
  return match?.[1] ?? "";
}

describe("the route of a configured address", () => {
  it("sets the workflow's review policy, assignee, and the language and text of the acknowledgement", async () => {
    const d = db(env.DB);
    const staff = await createUser(d, { email: unique("sales-lead"), role: "staff", verified: true });
    const at = domain("sales");
    await createRoute(
      d,
      {
        ...route,
        reviewPolicy: "review",
        assigneeId: staff?.id ?? "",
        ackLocale: "cs",
        ackText: "Obchod odpoví do dvou dnů.",
      },
      { address: `sales@${at}`, plusTags: true },
    );
    const from = unique("buyer");
    const delivery = await deliverMail(
      plainMail({ from, to: `sales+eu@${at}`, subject: "Cenik", text: "Pošlete ceník." }),
      {
        from,
        to: `sales+eu@${at}`,
      },
    );
    expect(delivery.rejected).toBeNull();
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    expect(ack.text).toContain("Obchod odpoví do dvou dnů.");
    expect(ack.text).toContain("potvrďte prosím");
    expect((await inboundRow(from))?.status).toBe("pending");

    const res = await exports.default.fetch(`${BASE}${confirmPath(ack.text)}`, { method: "POST" });
    expect(res.status).toBe(200);
    const sub = await env.DB.prepare("SELECT workflow, review_policy, assignee_id FROM submissions WHERE email = ?")
      .bind(from)
      .first();
    expect(sub).toEqual({ workflow: "analyse", review_policy: "review", assignee_id: staff?.id });
  });

  it("a catch-all takes any address of its domain; an exact address of the domain still wins", async () => {
    const d = db(env.DB);
    const at = domain("catch");
    await createRoute(
      d,
      { ...route, name: "Everything else", ackText: "Catch-all text." },
      { address: `*@${at}`, plusTags: true },
    );
    await createRoute(
      d,
      { ...route, name: "Support", ackText: "Support text." },
      { address: `support@${at}`, plusTags: false },
    );
    const from = unique("stray");
    const stray = await deliverMail(plainMail({ from, to: `whoever@${at}`, text: "Hello?" }), {
      from,
      to: `whoever@${at}`,
    });
    expect(stray.rejected).toBeNull();
    expect((await PostalMime.parse(stray.replies[0] ?? "")).text).toContain("Catch-all text.");
    const from2 = unique("helped");
    const helped = await deliverMail(plainMail({ from: from2, to: `support@${at}`, text: "Help" }), {
      from: from2,
      to: `support@${at}`,
    });
    expect((await PostalMime.parse(helped.replies[0] ?? "")).text).toContain("Support text.");
  });

  it("INBOUND_ADDRESS configured by an admin takes that route instead of the built-in defaults", async () => {
    const at = domain("inbound");
    await createRoute(db(env.DB), { ...route, ackLocale: "cs" }, { address: `requests@${at}`, plusTags: true });
    const from = unique("czech");
    const delivery = await deliverMail(
      plainMail({ from, to: `requests@${at}`, text: "Dobrý den" }),
      { from, to: `requests@${at}` },
      {
        env: { INBOUND_ADDRESS: `requests@${at}` },
      },
    );
    expect(delivery.rejected).toBeNull();
    expect((await PostalMime.parse(delivery.replies[0] ?? "")).text).toContain("Dobrý den,");
  });
});

describe("mail that no route takes is refused unread and never acknowledged", () => {
  it("an address nobody configured, at a domain that has routes", async () => {
    const at = domain("known");
    await createRoute(db(env.DB), route, { address: `sales@${at}`, plusTags: false });
    for (const to of [`billing@${at}`, `sales+x@${at}`]) {
      const from = unique("lost");
      const delivery = await deliverMail(plainMail({ from, to, text: "hi" }), { from, to });
      expect(delivery.rejected).toBe(
        `There is no mailbox ${to} at StateX. Send requests to requests@statex.localhost.`,
      );
      expect(delivery.replies).toEqual([]);
      expect(await inboundRow(from)).toMatchObject({ status: "rejected", reason: "unknown recipient", raw_key: null });
    }
  });

  it("a route switched off", async () => {
    const at = domain("off");
    await createRoute(db(env.DB), { ...route, enabled: false }, { address: `sales@${at}`, plusTags: true });
    const from = unique("late");
    const delivery = await deliverMail(plainMail({ from, to: `sales@${at}`, text: "hi" }), { from, to: `sales@${at}` });
    expect(delivery.rejected).toMatch(
      /^The mailbox sales@.* does not take mail at the moment\. Please send your request to requests@statex\.localhost\.$/,
    );
    expect(delivery.replies).toEqual([]);
    expect(await inboundRow(from)).toMatchObject({ status: "rejected", reason: "address switched off" });
    const { results } = await env.DB.prepare("SELECT id FROM submissions WHERE email = ?").bind(from).all();
    expect(results).toEqual([]);
  });
});

describe("the admin page /app/admin/mail", () => {
  const routeForm = (address: string, over: Record<string, string> = {}) => ({
    address,
    plusTags: "on",
    name: "Support",
    workflow: "analyse",
    reviewPolicy: "default",
    assigneeId: "",
    ackLocale: "en",
    ackText: "We answer within a day.",
    enabled: "on",
    ...over,
  });
  const routesNamed = async (name: string) =>
    (await env.DB.prepare("SELECT id FROM mail_routes WHERE name = ?").bind(name).all<{ id: string }>()).results;

  it("creates a route with its address, adds an alias, audits both, and lists them", async () => {
    const admin = await signedInAs(unique("mail-admin"), "admin");
    const home = await admin.page("/app/admin");
    expect(home).toContain('href="/app/admin/mail"');
    const at = domain("admin");
    const name = `Support ${crypto.randomUUID().slice(0, 6)}`;
    let page = await admin.page("/app/admin/mail");
    const created = await admin.post("/app/admin/mail/routes", routeForm(`support@${at}`, { name }), page);
    expect(created.status).toBe(303);
    const [row] = await routesNamed(name);
    expect(row).toBeTruthy();
    page = await admin.page("/app/admin/mail");
    const alias = await admin.post(
      `/app/admin/mail/routes/${row?.id}/addresses`,
      { address: `help@${at}`, plusTags: "" },
      page,
    );
    expect(alias.status).toBe(303);
    page = await admin.page("/app/admin/mail");
    expect(page).toContain(`support@${at}`);
    expect(page).toContain(`help@${at}`);
    const { results } = await env.DB.prepare("SELECT action FROM audit_log WHERE target_id = ? ORDER BY id")
      .bind(row?.id ?? "")
      .all<{ action: string }>();
    expect(results.map((r) => r.action)).toEqual(["mail.route_created", "mail.address_added"]);
  });

  it("refuses a malformed route definition with the problem, and writes nothing", async () => {
    const admin = await signedInAs(unique("mail-admin"), "admin");
    const at = domain("bad");
    const name = `Broken ${crypto.randomUUID().slice(0, 6)}`;
    for (const [over, problem] of [
      [{ address: "not an address" }, "Not an address"],
      [{ address: `x@${at}`, workflow: "rm -rf" }, "Unknown workflow."],
      [{ address: `x@${at}`, assigneeId: "usr_nobody" }, "active members of staff"],
    ] as const) {
      const page = await admin.page("/app/admin/mail");
      const res = await admin.post("/app/admin/mail/routes", routeForm(over.address, { ...over, name }), page);
      expect([409, 422]).toContain(res.status);
      expect(await res.text()).toContain(problem);
    }
    expect(await routesNamed(name)).toEqual([]);
    const taken = domain("taken");
    await createRoute(db(env.DB), route, { address: `sales@${taken}`, plusTags: true });
    const page = await admin.page("/app/admin/mail");
    const dup = await admin.post("/app/admin/mail/routes", routeForm(`sales@${taken}`, { name }), page);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain("belongs to a route already");
    expect(await routesNamed(name)).toEqual([]);
  });

  it("changes a route's settings with before and after audited; refuses a malformed change and the last address", async () => {
    const admin = await signedInAs(unique("mail-admin"), "admin");
    const at = domain("edit");
    const { route: r } = await createRoute(db(env.DB), route, { address: `sales@${at}`, plusTags: true });
    let page = await admin.page("/app/admin/mail");
    const bad = await admin.post(`/app/admin/mail/routes/${r.id}`, routeForm("", { name: "", ackLocale: "en" }), page);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Give the route a name.");
    page = await admin.page("/app/admin/mail");
    const off = await admin.post(`/app/admin/mail/routes/${r.id}`, routeForm("", { name: "Sales", enabled: "" }), page);
    expect(off.status).toBe(303);
    const saved = await env.DB.prepare("SELECT enabled, ack_text FROM mail_routes WHERE id = ?").bind(r.id).first();
    expect(saved).toEqual({ enabled: 0, ack_text: "We answer within a day." });
    const audit = await env.DB.prepare(
      `SELECT "before" AS b, "after" AS a FROM audit_log WHERE action = 'mail.route_updated' AND target_id = ?`,
    )
      .bind(r.id)
      .first<{ b: string; a: string }>();
    expect(JSON.parse(audit?.b ?? "{}")).toMatchObject({ enabled: true });
    expect(JSON.parse(audit?.a ?? "{}")).toMatchObject({ enabled: false });
    page = await admin.page("/app/admin/mail");
    const last = await admin.post("/app/admin/mail/addresses/delete", { address: `sales@${at}` }, page);
    expect(last.status).toBe(409);
    expect(await last.text()).toContain("keeps at least one address");
    const still = await env.DB.prepare("SELECT count(*) AS n FROM mail_addresses WHERE route_id = ?")
      .bind(r.id)
      .first();
    expect(still).toEqual({ n: 1 });
  });

  it("is for admins only", async () => {
    const staff = await signedInAs(unique("mail-staff"), "staff");
    const res = await staff.get("/app/admin/mail");
    expect(res.status).not.toBe(200);
  });
});
