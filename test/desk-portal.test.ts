/**
 * The staff desk in the portal (`/app/desk*`), through the Worker as a browser without
 * JavaScript uses it: who may enter (a user gets the 404 of an unknown page and never a thread,
 * a note or a draft), the inbox and its hostile query strings, a request's page, and each staff
 * action — reply (preview, idempotent send), internal note, assignment, resolve / reopen, saved
 * replies — with the audit row it writes, actor included.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, waitForStatus } from "./helpers/api";
import { hiddenField, type PortalClient } from "./helpers/client";
import { uniqueEmail } from "./helpers/rows";
import { signedInAs } from "./helpers/session";

let n = 0;
const tagWord = () => `desk${Date.now().toString(36)}q${(n++).toString(36)}`;

const idOf = async (email: string) =>
  (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())?.id ?? "";

const auditRows = async (action: string, targetId: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_type, actor_id, before, after FROM audit_log WHERE action = ? AND target_id = ? ORDER BY id",
    )
      .bind(action, targetId)
      .all<{ actor_type: string; actor_id: string; before: string | null; after: string | null }>()
  ).results.map((r) => ({ ...r, before: JSON.parse(r.before ?? "null"), after: JSON.parse(r.after ?? "null") }));

const messages = async (id: string) =>
  (
    await env.DB.prepare("SELECT kind, body, author_id FROM submission_messages WHERE submission_id = ? ORDER BY id")
      .bind(id)
      .all<{ kind: string; body: string; author_id: string }>()
  ).results;

const deskStatus = async (id: string) =>
  (await env.DB.prepare("SELECT desk_status, assignee_id FROM submissions WHERE id = ?")
    .bind(id)
    .first<{ desk_status: string; assignee_id: string | null }>()) ?? { desk_status: "", assignee_id: null };

/** A request sent by `customer` through the portal's form, with one file; its id. */
async function portalRequest(customer: PortalClient, text: string, file = "plan.txt") {
  const form = await customer.page("/app/requests/new");
  const fd = new FormData();
  fd.append("_csrf", hiddenField(form, "_csrf") ?? "");
  fd.append("text", text);
  fd.append("files", new File(["Loading dock plan: two bays."], file, { type: "text/plain" }));
  const res = await customer.request("/app/requests", { method: "POST", body: fd });
  expect(res.status).toBe(303);
  return (res.headers.get("location") ?? "").split("/").pop() ?? "";
}

async function setup(tag = tagWord()) {
  const customerEmail = uniqueEmail("customer");
  const staffEmail = uniqueEmail("staff");
  const customer = await signedInAs(customerEmail);
  const staff = await signedInAs(staffEmail, "staff");
  const id = await portalRequest(customer, `How much for a website about ${tag}?`);
  await waitForStatus(id, ["completed"]);
  return { tag, customer, customerEmail, staff, staffEmail, staffId: await idOf(staffEmail), id };
}

describe("who may enter the desk", () => {
  it("answers a user 404 on every desk path, with no thread, note or draft in it", async () => {
    const { customer, staff, id } = await setup();
    const page = await staff.page(`/app/desk/${id}`);
    const note = await staff.post(
      `/app/desk/${id}/note`,
      { body: "INTERNAL-ONLY remark", clientKey: hiddenField(page, "clientKey") ?? "" },
      page,
    );
    expect(note.status).toBe(303);

    const own = await customer.page(`/app/requests/${id}`);
    expect(own).not.toContain('href="/app/desk"');
    expect(own).not.toContain("INTERNAL-ONLY");
    expect(await staff.page("/app")).toContain('href="/app/desk"');
    const unknownAdminPage = await customer.get("/app/admin");
    for (const path of [
      "/app/desk",
      `/app/desk/${id}`,
      "/app/desk/replies",
      `/app/desk/events?ids=${id}`,
      "/app/desk/nothing",
    ]) {
      const res = await customer.get(path);
      expect(res.status, path).toBe(404);
      const body = await res.text();
      expect(body).not.toContain("INTERNAL-ONLY");
      expect(body).not.toContain("Reply to the customer");
      expect(body.match(/<title>[^<]*<\/title>/)?.[0]).toBe(
        (await (await customer.get("/app/admin")).text()).match(/<title>[^<]*<\/title>/)?.[0],
      );
    }
    expect(unknownAdminPage.status).toBe(404);
    // Forms too, with the user's own valid CSRF token: refused before anything is written.
    for (const action of ["note", "reply", "assign", "status", "draft"]) {
      const res = await customer.post(
        `/app/desk/${id}/${action}`,
        { body: "sneaky", status: "resolved", assignee: "me" },
        own,
      );
      expect(res.status, action).toBe(404);
    }
    expect((await messages(id)).map((m) => m.body)).toEqual(["INTERNAL-ONLY remark"]);
    // Answered by the pipeline, the request waits on its customer; a note does not change whose turn it is.
    expect((await deskStatus(id)).desk_status).toBe("waiting");
    // The API shows the owner no note either.
    const events = await customer.get(`/v1/submissions/${id}`);
    expect(await events.text()).not.toContain("INTERNAL-ONLY");
  });
});

describe("the inbox", () => {
  it("lists requests from every intake with status, channel, customer, excerpt and waiting time", async () => {
    const { tag, staff, customerEmail, id } = await setup();
    const { apiKeyFor } = await import("./helpers/api");
    const apiEmail = uniqueEmail("api-customer");
    const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await apiKeyFor(apiEmail)}` },
      body: JSON.stringify({ text: `An API question about ${tag} budgets.` }),
    });
    const apiId = (await res.json<{ id: string }>()).id;
    const html = await staff.page(`/app/desk?status=all&q=${tag}`);
    expect(html).toContain(`href="/app/desk/${id}"`);
    expect(html).toContain(`href="/app/desk/${apiId}"`);
    expect(html).toContain(customerEmail);
    expect(html).toContain(apiEmail);
    expect(html).toMatch(/<td class="opt">portal<\/td>/);
    expect(html).toMatch(/<td class="opt">API<\/td>/);
    expect(html).toContain(`<mark>${tag}</mark>`);
    expect(html).toMatch(/data-count="all">2</);
    const onlyApi = await staff.page(`/app/desk?status=all&q=${tag}&channel=api`);
    expect(onlyApi).toContain(apiId);
    expect(onlyApi).not.toContain(`href="/app/desk/${id}"`);
    expect(await staff.page(`/app/desk?status=all&q=${tag}&assignee=me`)).toContain("No requests here.");
  });

  it("answers hostile query strings with the default view or a message, never an error page", async () => {
    const { tag, staff } = await setup();
    const fine = [
      "status=constructor&sort=__proto__&channel=fax&assignee=%3Cscript%3E",
      `q=${encodeURIComponent(`"${tag}`)}`,
      `q=${encodeURIComponent(`NEAR(${tag} x) OR excerpt:${tag}`)}`,
      `q=${encodeURIComponent("<script>alert(1)</script>")}`,
      `q=${"a%20".repeat(30_000)}`,
      "status=all&status=new&sort=oldest&sort=newest",
    ];
    for (const qs of fine) {
      const res = await staff.get(`/app/desk?${qs}`);
      expect([200, 400], qs.slice(0, 60)).toContain(res.status);
      const body = await res.text();
      expect(body).toContain("<h1>Desk</h1>");
      expect(body).not.toContain("<script>alert(1)");
    }
    for (const [qs, message] of [
      ["q=***", "no letters or digits"],
      ["cursor=bm90LW91cnM", "not one this inbox made"],
      [`cursor=${"x".repeat(50_000)}`, "not one this inbox made"],
    ] as const) {
      const res = await staff.get(`/app/desk?${qs}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
  });
});

describe("a request's page", () => {
  it("shows the customer, every file for download, the sources and the thread, each kind marked", async () => {
    const { staff, customerEmail, id } = await setup();
    const first = await staff.page(`/app/desk/${id}`);
    await staff.post(
      `/app/desk/${id}/note`,
      { body: "Check the **budget**.", clientKey: hiddenField(first, "clientKey") ?? "" },
      first,
    );
    const html = await staff.page(`/app/desk/${id}`);
    expect(html).toContain(`mailto:${customerEmail}`);
    const href = /href="(\/v1\/submissions\/[^"]+\/files\/fil_[^"]+)"/.exec(html)?.[1] ?? "";
    expect(href).toContain(id);
    const file = await staff.get(href);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe("Loading dock plan: two bays.");
    const { getSubmission } = await import("./helpers/api");
    for (const src of (await getSubmission(id)).sources ?? [])
      expect(html).toContain(`href="${src.url.replaceAll("&", "&amp;")}"`);
    expect(html).toContain('class="entry customer request"');
    expect(html).toContain('class="entry answer"');
    expect(html).toMatch(
      /class="entry note"[\s\S]*?<strong class="internal">Internal<\/strong>[\s\S]*?<strong>budget<\/strong>/,
    );
    expect(html).toMatch(/class="entry event received"/);
    expect(html).toMatch(/class="entry event completed"/);
    // In time order: the request, then the answer, then the note.
    expect(html.indexOf("entry customer request")).toBeLessThan(html.indexOf('class="entry answer"'));
    expect(html.indexOf('class="entry answer"')).toBeLessThan(html.indexOf('class="entry note"'));
  });
});

describe("staff actions", () => {
  it("previews a reply through the sanitiser, and sends it once for a double submit, audited", async () => {
    const { staff, staffId, id } = await setup();
    const page = await staff.page(`/app/desk/${id}`);
    const clientKey = hiddenField(page, "clientKey") ?? "";
    const body = "**Thanks.** <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))";
    const preview = await staff.post(`/app/desk/${id}/reply`, { body, clientKey, intent: "preview" }, page);
    expect(preview.status).toBe(200);
    const shown = await preview.text();
    const rendered = shown.split('<div class="preview">')[1]?.split("</form>")[0] ?? "";
    expect(rendered).toContain("<strong>Thanks.</strong>");
    expect(rendered).not.toMatch(/<script|onerror|javascript:/);
    expect(shown).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(hiddenField(shown, "clientKey")).toBe(clientKey);
    expect(await messages(id)).toEqual([]);

    const send = () =>
      staff.post(`/app/desk/${id}/reply`, { body: "It starts at 4,900 EUR.", clientKey, intent: "send" }, page);
    const [a, b] = [await send(), await send()];
    expect(a.status).toBe(303);
    expect(a.headers.get("location")).toMatch(new RegExp(`^/app/desk/${id}\\?m=reply-sent#msg_`));
    expect(b.headers.get("location")).toBe(a.headers.get("location"));
    expect(await messages(id)).toEqual([{ kind: "reply", body: "It starts at 4,900 EUR.", author_id: staffId }]);
    expect(await staff.page(a.headers.get("location") ?? "")).toContain("Reply sent to the customer.");
    const audited = await auditRows("desk.reply_sent", id);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor_type: "staff", actor_id: staffId, after: { deskStatus: "waiting" } });
    expect((await deskStatus(id)).desk_status).toBe("waiting");

    const empty = await staff.post(
      `/app/desk/${id}/reply`,
      { body: "  ", clientKey: hiddenField(page, "clientKey") ?? "", intent: "send" },
      page,
    );
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain("The message is empty.");
    expect((await staff.post(`/app/desk/${id}/reply`, { body: "x", clientKey: "", intent: "send" }, page)).status).toBe(
      400,
    );
    expect(
      (await staff.post(`/app/desk/${id}/reply`, { body: "x", clientKey, intent: "send", _csrf: "forged" })).status,
    ).toBe(403);
    expect(await messages(id)).toHaveLength(1);
  });

  it("writes notes, assigns and resolves on the audit trail with the actor, before and after", async () => {
    const { staff, staffId, id } = await setup();
    const colleagueEmail = uniqueEmail("colleague");
    const colleague = await signedInAs(colleagueEmail, "staff");
    void colleague;
    const colleagueId = await idOf(colleagueEmail);
    const page = await staff.page(`/app/desk/${id}`);
    const post = (action: string, fields: Record<string, string>) =>
      staff.post(`/app/desk/${id}/${action}`, fields, page);

    const note = await post("note", { body: "Call them Monday.", clientKey: hiddenField(page, "clientKey") ?? "" });
    expect(note.headers.get("location")).toMatch(/m=note-added/);
    expect((await auditRows("desk.note_added", id))[0]).toMatchObject({ actor_id: staffId, actor_type: "staff" });

    expect((await post("assign", { assignee: "none", quick: "me" })).headers.get("location")).toMatch(/m=assigned/);
    expect((await post("assign", { assignee: colleagueId })).headers.get("location")).toMatch(/m=assigned/);
    expect((await post("assign", { assignee: colleagueId })).headers.get("location")).toMatch(/m=no-change/);
    const customerId =
      (await env.DB.prepare("SELECT user_id FROM submissions WHERE id = ?").bind(id).first<{ user_id: string }>())
        ?.user_id ?? "";
    const refused = await post("assign", { assignee: customerId });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("members of staff only");
    expect((await post("assign", { assignee: colleagueId, quick: "none" })).headers.get("location")).toMatch(
      /m=unassigned/,
    );
    expect((await auditRows("desk.assigned", id)).map((r) => [r.actor_id, r.before, r.after])).toEqual([
      [staffId, { assigneeId: null }, { assigneeId: staffId }],
      [staffId, { assigneeId: staffId }, { assigneeId: colleagueId }],
      [staffId, { assigneeId: colleagueId }, { assigneeId: null }],
    ]);

    expect((await post("status", { status: "resolved" })).headers.get("location")).toMatch(/m=resolved/);
    expect((await deskStatus(id)).desk_status).toBe("resolved");
    expect((await post("status", { status: "open" })).headers.get("location")).toMatch(/m=reopened/);
    expect((await post("status", { status: "deleted" })).status).toBe(400);
    expect((await auditRows("desk.resolved", id))[0]).toMatchObject({
      actor_id: staffId,
      before: { deskStatus: "waiting" },
      after: { deskStatus: "resolved" },
    });
    expect((await auditRows("desk.reopened", id))[0]).toMatchObject({
      actor_id: staffId,
      before: { deskStatus: "resolved" },
      after: { deskStatus: "open" },
    });
  });

  it("keeps saved replies (created, edited, deleted, audited) and inserts one with its variables filled", async () => {
    const { staff, staffId, staffEmail, id, customerEmail } = await setup();
    const list = await staff.page("/app/desk/replies");
    const title = `Greeting ${tagWord()}`;
    const body =
      "Hello {{customer.name}} ({{customer.email}}), about {{request.id}}. {{unknown.thing}} <b>x</b> — {{agent.name}}";
    const created = await staff.post("/app/desk/replies", { title, body }, list);
    expect(created.status).toBe(303);
    const replyId = (created.headers.get("location") ?? "").split("#")[1] ?? "";
    expect(replyId).toMatch(/^rpl_/);
    const taken = await staff.post("/app/desk/replies", { title, body: "other" }, list);
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain("exists already");
    expect((await auditRows("desk.saved_reply_created", replyId))[0]).toMatchObject({
      actor_id: staffId,
      after: { title },
    });

    const page = await staff.page(`/app/desk/${id}`);
    const filled = `Hello ${customerEmail} (${customerEmail}), about ${id}. {{unknown.thing}} &lt;b&gt;x&lt;/b&gt; — ${staffEmail}`;
    expect(page).toContain(`data-body="${filled}"`);
    const inserted = await staff.post(
      `/app/desk/${id}/reply`,
      { body: "Draft start.", clientKey: hiddenField(page, "clientKey") ?? "", intent: "insert", saved: replyId },
      page,
    );
    expect(inserted.status).toBe(200);
    expect(await inserted.text()).toContain(`Draft start.\n\n${filled}</textarea>`);
    expect(await messages(id)).toEqual([]);

    const edited = await staff.post(
      `/app/desk/replies/${replyId}`,
      { title: `${title} (v2)`, body: "Hi {{customer.name}}" },
      list,
    );
    expect(edited.headers.get("location")).toContain("m=reply-updated");
    expect((await auditRows("desk.saved_reply_updated", replyId))[0]).toMatchObject({
      actor_id: staffId,
      before: { title },
      after: { title: `${title} (v2)` },
    });
    expect((await staff.post(`/app/desk/replies/${replyId}`, { title: "", body: "x" }, list)).status).toBe(422);
    const deleted = await staff.post(`/app/desk/replies/${replyId}/delete`, {}, list);
    expect(deleted.headers.get("location")).toContain("m=reply-deleted");
    expect((await auditRows("desk.saved_reply_deleted", replyId))[0]).toMatchObject({
      actor_id: staffId,
      before: { title: `${title} (v2)` },
    });
    expect((await staff.post(`/app/desk/replies/${replyId}/delete`, {}, list)).headers.get("location")).toContain(
      "m=reply-missing",
    );
    expect(await staff.page("/app/desk/replies")).not.toContain(title);
  });
});
