/**
 * `GET` and `POST /v1/submissions/{id}/messages` over HTTP: the thread as its customer sees it
 * (never a note), paged; the owner's message and a staff member's reply, each written once
 * under an Idempotency-Key; problems for bad input; nobody else's thread readable or writable.
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { postMessage } from "../shared/desk/messages";
import { api, apiKeyFor, BASE, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";
import { expectProblem } from "./helpers/problem";
import { drainQueue } from "./helpers/queues";

let counter = 0;
const unique = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;

interface Page {
  items: { id: string; kind: string; channel: string; body: string; fileIds: string[]; createdAt: string }[];
  nextCursor: string | null;
}

async function request(email: string) {
  const res = await postSubmission({ text: "Can you quote a logo design?", email });
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

async function userIdOf(email: string) {
  const row = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  return row?.id ?? "";
}

const post = (key: string, id: string, body: unknown, idempotencyKey?: string) =>
  exports.default.fetch(`${BASE}/v1/submissions/${id}/messages`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const countMessages = (id: string) =>
  env.DB.prepare("SELECT count(*) AS n FROM submission_messages WHERE submission_id = ?")
    .bind(id)
    .first<{ n: number }>()
    .then((r) => r?.n ?? 0);

describe("GET /v1/submissions/{id}/messages", () => {
  it("lists customer messages and replies oldest first, pages them, and never lists a note", async () => {
    const email = unique("lister");
    const key = await apiKeyFor(email);
    const id = await request(email);
    const staffEmail = unique("staff");
    await apiKeyFor(staffEmail, { role: "staff" });
    const staff = await userIdOf(staffEmail);
    const d = db(env.DB);
    const t = Date.now();
    await postMessage(d, { submissionId: id, kind: "customer", channel: "portal", authorId: null, body: "one" }, t);
    await postMessage(d, { submissionId: id, kind: "note", channel: "desk", authorId: staff, body: "NOTE" }, t + 1);
    await postMessage(d, { submissionId: id, kind: "reply", channel: "desk", authorId: staff, body: "two" }, t + 2);
    await postMessage(d, { submissionId: id, kind: "customer", channel: "api", authorId: null, body: "three" }, t + 3);

    const all = await (await api(key, "GET", `/v1/submissions/${id}/messages`)).json<Page>();
    expect(all.items.map((m) => [m.kind, m.body])).toEqual([
      ["customer", "one"],
      ["reply", "two"],
      ["customer", "three"],
    ]);
    expect(all.nextCursor).toBeNull();
    // Staff reading through the API get the customer's view too: no note.
    const asStaff = await (
      await api(await apiKeyFor(staffEmail, { role: "staff" }), "GET", `/v1/submissions/${id}/messages`)
    ).json<Page>();
    expect(asStaff.items.map((m) => m.body)).not.toContain("NOTE");

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(key, "GET", `/v1/submissions/${id}/messages?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const page: Page = await res.json<Page>();
      seen.push(...page.items.map((m) => m.body));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["one", "two", "three"]);

    await expectProblem(
      await api(key, "GET", `/v1/submissions/${id}/messages?cursor=bm9wZQ`),
      400,
      "/problems/bad-cursor",
    );
    await expectProblem(await api(key, "GET", `/v1/submissions/${id}/messages?limit=0`), 422, "/problems/validation");
  });

  it("answers 404 for another user's request, exactly as for an unknown one", async () => {
    const owner = unique("owner");
    const id = await request(owner);
    await postMessage(db(env.DB), {
      submissionId: id,
      kind: "customer",
      channel: "api",
      authorId: null,
      body: "private",
    });
    const other = await apiKeyFor(unique("other"));
    const res = await api(other, "GET", `/v1/submissions/${id}/messages`);
    const body = await expectProblem(res, 404, "/problems/not-found");
    expect(JSON.stringify(body)).not.toContain("private");
    await expectProblem(
      await api(other, "GET", "/v1/submissions/sub_01JF0000000000000000000000/messages"),
      404,
      "/problems/not-found",
    );
  });
});

describe("POST /v1/submissions/{id}/messages", () => {
  it("from the owner: a customer message, written once per Idempotency-Key, that reopens the request and tells staff", async () => {
    const email = unique("writer");
    const key = await apiKeyFor(email);
    const id = await request(email);
    await waitForStatus(id, ["completed"]);
    await env.DB.prepare("UPDATE submissions SET desk_status = 'resolved' WHERE id = ?").bind(id).run();
    const staffEmail = unique("told");
    await apiKeyFor(staffEmail, { role: "staff" });
    let first: Response | null = null;
    let again: Response | null = null;
    const drained = await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
      first = await post(key, id, { body: "  One more question.  " }, "msg-key-1");
      again = await post(key, id, { body: "  One more question.  " }, "msg-key-1");
    });
    const a = first as unknown as Response;
    const b = again as unknown as Response;
    expect(a.status).toBe(201);
    const written = await a.json<Page["items"][number]>();
    expect(written).toMatchObject({ kind: "customer", channel: "api", body: "One more question.", fileIds: [] });
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect((await b.json<{ id: string }>()).id).toBe(written.id);
    expect(await countMessages(id)).toBe(1);
    const desk = await env.DB.prepare("SELECT desk_status FROM submissions WHERE id = ?").bind(id).first();
    expect(desk).toEqual({ desk_status: "open" });
    expect(drained.messages.filter((m) => (m as { kind: string }).kind === "notify.customer")).toHaveLength(1);
    const told = await env.DB.prepare(
      "SELECT count(*) AS n FROM notifications WHERE submission_id = ? AND event = 'staff.customer_replied' AND user_id = ?",
    )
      .bind(id, await userIdOf(staffEmail))
      .first();
    expect(told).toEqual({ n: 1 });
  });

  it("from staff who are not the owner: a reply, mailed to the customer in the request's thread, once", async () => {
    const email = unique("customer");
    await apiKeyFor(email);
    const id = await request(email);
    await waitForStatus(id, ["completed"]);
    const staffKey = await apiKeyFor(unique("agent"), { role: "staff" });
    let res: Response | null = null;
    await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
      res = await post(staffKey, id, { body: "Our designer can start **tomorrow**." }, "reply-1");
      await post(staffKey, id, { body: "Our designer can start **tomorrow**." }, "reply-1");
    });
    const answered = res as unknown as Response;
    expect(answered.status).toBe(201);
    const reply = await answered.json<Page["items"][number]>();
    expect(reply).toMatchObject({ kind: "reply", channel: "desk" });
    const rows = await env.DB.prepare(
      "SELECT status, provider_message_id FROM notifications WHERE submission_id = ? AND event = 'submission.replied'",
    )
      .bind(id)
      .all<{ status: string; provider_message_id: string }>();
    expect(rows.results).toHaveLength(1);
    const { email: mail } = await readSentEmail(rows.results[0]?.provider_message_id ?? "");
    expect(mail.to?.[0]?.address).toBe(email);
    expect(mail.subject).toMatch(/^Re: /);
    expect(mail.inReplyTo).toBeTruthy();
    expect(mail.replyTo?.[0]?.address).toMatch(new RegExp(`^requests\\+${id.toLowerCase()}\\.`));
    expect(mail.text).toContain("Our designer can start **tomorrow**.");
    const audit = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'desk.reply_sent' AND target_id = ?",
    )
      .bind(id)
      .first();
    expect(audit).toEqual({ n: 1 });
  });

  it("refuses bad input with problems and writes nothing", async () => {
    const email = unique("bad");
    const key = await apiKeyFor(email);
    const id = await request(email);
    await expectProblem(await post(key, id, { body: "   " }), 422, "/problems/validation");
    await expectProblem(await post(key, id, { body: "x".repeat(20_001) }), 422, "/problems/validation");
    await expectProblem(await post(key, id, { body: "hi", extra: 1 }), 422, "/problems/validation");
    await expectProblem(await post(key, id, "{not json"), 400, "/problems/malformed-json");
    await expectProblem(
      await post(key, id, { body: "hi" }, "bad key with spaces\u0001"),
      400,
      "/problems/bad-idempotency-key",
    );
    const readOnly = await apiKeyFor(email, { scopes: ["submissions:read"] });
    await expectProblem(await post(readOnly, id, { body: "hi" }), 403, "/problems/forbidden");
    expect(await countMessages(id)).toBe(0);
  });

  it("answers 404 to another user writing in someone's thread, and writes nothing", async () => {
    const id = await request(unique("victim"));
    const other = await apiKeyFor(unique("intruder"));
    await expectProblem(await post(other, id, { body: "let me in" }), 404, "/problems/not-found");
    expect(await countMessages(id)).toBe(0);
  });
});

describe("the OpenAPI document", () => {
  it("documents both operations of the thread, their errors as problems", async () => {
    const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<{
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    }>();
    const path = doc.paths["/v1/submissions/{id}/messages"];
    expect(Object.keys(path ?? {}).sort()).toEqual(["get", "post"]);
    expect(Object.keys(path?.post?.responses ?? {})).toEqual(expect.arrayContaining(["201", "404", "409", "422"]));
    expect(Object.keys(path?.get?.responses["404"]?.content ?? {})).toEqual(["application/problem+json"]);
  });
});
