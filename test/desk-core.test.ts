/**
 * The desk's core in the Workers runtime: a thread's messages and the desk state each moves,
 * idempotent writes, what the customer's view leaves out, the review policy, and the AI's
 * draft sent (edited) or discarded.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { JobCoordinator } from "../durable-objects/job-coordinator";
import { db } from "../shared/db/client";
import { discardDraft, draftOf, sendDraft } from "../shared/desk/draft";
import { listMessages, MessageRefused, postMessage } from "../shared/desk/messages";
import { sendReply } from "../shared/desk/reply";
import { assign, DeskRefused, setDeskStatus } from "../shared/desk/state";
import { threadOf } from "../shared/desk/thread";
import { createLogger } from "../shared/log";
import { reviewPolicyFor, stepsFor } from "../shared/pipeline/workflows";
import { findSubmission } from "../shared/submissions/repo";
import { api, apiKeyFor, getSubmission, notificationRows, postSubmission, waitForStatus } from "./helpers/api";
import { newestSentMailTo } from "./helpers/mail";
import { signedInAs } from "./helpers/session";

const log = createLogger({ correlationId: "desk-core-test" });
let counter = 0;
const unique = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;

async function submit(email: string, workflow?: string) {
  const res = await postSubmission({
    text: "How much does a small website cost and how long does it take?",
    email,
    workflow,
  });
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

const deskRow = (id: string) =>
  env.DB.prepare(
    "SELECT desk_status, assignee_id, last_customer_at, last_message_at, review_policy FROM submissions WHERE id = ?",
  )
    .bind(id)
    .first<{
      desk_status: string;
      assignee_id: string | null;
      last_customer_at: number;
      last_message_at: number;
      review_policy: string;
    }>();

async function userId(email: string, role: "user" | "staff" | "admin" = "user") {
  await apiKeyFor(email, { role });
  const row = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
  if (!row) throw new Error("no user");
  return row.id;
}

async function waitingAtReview(id: string) {
  await vi.waitFor(
    async () => {
      const s = await runInDurableObject(env.JOB_COORDINATOR.getByName(id), (o: JobCoordinator) => o.snapshot());
      if (s?.review?.status !== "waiting") throw new Error("not waiting yet");
    },
    { timeout: 15_000, interval: 50 },
  );
}

describe("review policy", () => {
  it("puts a review step before notify for a listed workflow, and keeps `reviewed`'s own", () => {
    expect(reviewPolicyFor("analyse", {})).toBe("auto");
    expect(reviewPolicyFor("analyse", { REVIEW_WORKFLOWS: " transcribe, analyse " })).toBe("review");
    expect(reviewPolicyFor("reviewed", { REVIEW_WORKFLOWS: "" })).toBe("review");
    expect(stepsFor("analyse", "review").slice(-2)).toEqual(["review", "notify"]);
    expect(stepsFor("analyse", "auto")).not.toContain("review");
    expect(stepsFor("reviewed", "review").filter((s) => s === "review")).toHaveLength(1);
  });

  it("records each request's policy at intake, and a new request starts new with its customer's time", async () => {
    const auto = await submit(unique("auto"));
    const reviewed = await submit(unique("reviewed"), "reviewed");
    const a = await deskRow(auto);
    expect(a).toMatchObject({ desk_status: "new", review_policy: "auto", assignee_id: null });
    expect(a?.last_customer_at).toBeGreaterThan(0);
    expect((await deskRow(reviewed))?.review_policy).toBe("review");
    // The answer went to the customer: the next word is theirs.
    await waitForStatus(auto, ["completed"]);
    expect((await deskRow(auto))?.desk_status).toBe("waiting");
  });
});

describe("thread messages", () => {
  it("moves the desk state by who wrote, and a repeated client key writes (and changes) nothing", async () => {
    const email = unique("thread");
    const id = await submit(email);
    const staff = await userId(unique("staff"), "staff");
    const d = db(env.DB);

    const note = await postMessage(d, {
      submissionId: id,
      kind: "note",
      channel: "desk",
      authorId: staff,
      body: "Check the budget.",
    });
    expect(note.created).toBe(true);
    expect((await deskRow(id))?.desk_status).toBe("open");

    const reply = await postMessage(d, {
      submissionId: id,
      kind: "reply",
      channel: "desk",
      authorId: staff,
      body: "  It starts at 4,900 EUR.\r\n",
      clientKey: "click-1",
    });
    expect(reply.message.body).toBe("It starts at 4,900 EUR.");
    expect((await deskRow(id))?.desk_status).toBe("waiting");

    // The same click again: the first message back, nothing new.
    const again = await postMessage(d, {
      submissionId: id,
      kind: "reply",
      channel: "desk",
      authorId: staff,
      body: "other",
      clientKey: "click-1",
    });
    expect(again).toMatchObject({ created: false, message: { id: reply.message.id, body: "It starts at 4,900 EUR." } });

    await setDeskStatus(d, id, "resolved");
    const before = (await deskRow(id))?.last_customer_at ?? 0;
    await postMessage(d, {
      submissionId: id,
      kind: "customer",
      channel: "email",
      authorId: null,
      body: "Thanks, one more question.",
    });
    const after = await deskRow(id);
    expect(after?.desk_status).toBe("open");
    expect(after?.last_customer_at).toBeGreaterThanOrEqual(before);

    expect((await listMessages(d, id, "staff")).map((m) => m.kind)).toEqual(["note", "reply", "customer"]);
    expect((await listMessages(d, id, "customer")).map((m) => m.kind)).toEqual(["reply", "customer"]);
  });

  it("refuses an empty or oversized message and writes nothing", async () => {
    const id = await submit(unique("refuse"));
    const d = db(env.DB);
    const base = { submissionId: id, kind: "customer" as const, channel: "api" as const, authorId: null };
    await expect(postMessage(d, { ...base, body: " \n\t " })).rejects.toBeInstanceOf(MessageRefused);
    await expect(postMessage(d, { ...base, body: "x".repeat(20_001) })).rejects.toBeInstanceOf(MessageRefused);
    await expect(postMessage(d, { ...base, body: "ok", clientKey: "k".repeat(256) })).rejects.toBeInstanceOf(
      MessageRefused,
    );
    expect(await listMessages(d, id, "staff")).toEqual([]);
    expect((await deskRow(id))?.desk_status).toBe("new");
  });

  it("never shows the customer a note, a draft or a system event", async () => {
    const email = unique("views");
    const id = await submit(email);
    await waitForStatus(id, ["completed"]);
    const staff = await userId(unique("staff"), "staff");
    const d = db(env.DB);
    await postMessage(d, {
      submissionId: id,
      kind: "note",
      channel: "desk",
      authorId: staff,
      body: "INTERNAL-ONLY remark",
    });
    await postMessage(d, {
      submissionId: id,
      kind: "reply",
      channel: "desk",
      authorId: staff,
      body: "A reply for you.",
    });
    const found = await findSubmission(d, id);
    if (!found) throw new Error("gone");
    const customer = await threadOf(env, found.submission, { audience: "customer" });
    expect(customer.map((e) => e.type)).toEqual(["request", "answer", "message"]);
    expect(JSON.stringify(customer)).not.toContain("INTERNAL-ONLY");
    const staffView = await threadOf(env, found.submission, { audience: "staff" });
    expect(staffView.map((e) => (e.type === "event" ? e.event : e.type))).toEqual(
      expect.arrayContaining(["request", "received", "answer", "completed", "notified", "message"]),
    );
    expect(JSON.stringify(staffView)).toContain("INTERNAL-ONLY");
  });
});

describe("assignment and status", () => {
  it("assigns to staff only, opens a new request, and reports a no-op", async () => {
    const id = await submit(unique("assign"));
    const d = db(env.DB);
    const staff = await userId(unique("staff"), "staff");
    const customer = await userId(unique("customer"));
    await expect(assign(d, id, customer)).rejects.toBeInstanceOf(DeskRefused);
    expect(await assign(d, id, staff)).toEqual({ before: null, after: staff, changed: true });
    expect((await deskRow(id))?.desk_status).toBe("open");
    expect((await assign(d, id, staff)).changed).toBe(false);
    expect(await setDeskStatus(d, id, "resolved")).toMatchObject({ before: "open", changed: true });
    expect(await assign(d, id, null)).toMatchObject({ after: null, changed: true });
    expect((await deskRow(id))?.desk_status).toBe("resolved");
  });
});

describe("a staff reply", () => {
  it("is queued for delivery once, and reaches the owner's webhook as submission.replied", async () => {
    const email = unique("reply");
    const id = await submit(email);
    const staff = await userId(unique("staff"), "staff");
    const send = () =>
      sendReply(
        env,
        { submissionId: id, authorId: staff, body: "Here is our answer.", clientKey: "form-7", correlationId: "c" },
        log,
      );
    const first = await send();
    const second = await send();
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, message: { id: first.message.id } });
    expect((await listMessages(db(env.DB), id, "customer")).filter((m) => m.kind === "reply")).toHaveLength(1);
  });
});

describe("the AI's draft (review policy)", () => {
  it("is sent as staff edited it: the result, the thread and the customer's mail carry the edit, once", async () => {
    const email = unique("draft");
    const portal = await signedInAs(email);
    const id = await submit(email, "reviewed");
    await waitingAtReview(id);
    const staff = await userId(unique("staff"), "staff");
    const draft = await draftOf(env, id);
    expect(draft).toContain("## Answer");

    // Until staff send it, the draft is nobody's but staff's: not in the API, the list, the portal.
    const key = await apiKeyFor(email);
    const view = await (await api(key, "GET", `/v1/submissions/${id}`)).json<{
      result: unknown;
      summary: unknown;
      sources: unknown[];
    }>();
    expect(view).toMatchObject({ result: null, summary: null, sources: [] });
    expect((await api(key, "GET", `/v1/submissions/${id}/result`)).status).toBe(404);
    const listed = await (await api(key, "GET", "/v1/submissions")).json<{
      items: { id: string; summary: unknown }[];
    }>();
    expect(listed.items.find((i) => i.id === id)?.summary).toBeNull();
    const page = await portal.page(`/app/requests/${id}`);
    expect(page).not.toContain('id="result"');
    expect(page).not.toContain("Answer</h2>");
    const edited = `${draft}\n\nEDITED-BY-STAFF: we can start next Monday.`;
    const sent = await sendDraft(env, { submissionId: id, authorId: staff, body: edited, clientKey: "send-1" });
    expect(sent.outcome).toBe("ok");
    // A double click: the same answer, nothing sent twice.
    expect(await sendDraft(env, { submissionId: id, authorId: staff, body: edited, clientKey: "send-1" })).toEqual(
      sent,
    );
    expect(
      (await sendDraft(env, { submissionId: id, authorId: staff, body: "other", clientKey: "send-2" })).outcome,
    ).toBe("conflict");

    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(await (await env.FILES.get(`results/${id}.md`))?.text()).toContain("EDITED-BY-STAFF");
    // The newest mail to the customer is the result (the "waits for review" notice came first).
    await vi.waitFor(
      async () => {
        const m = await newestSentMailTo(email);
        if (!(m.text ?? "").includes("EDITED-BY-STAFF")) throw new Error("the result mail is not there yet");
        return m;
      },
      { timeout: 10_000, interval: 50 },
    );
    const found = await findSubmission(db(env.DB), id);
    if (!found) throw new Error("gone");
    const customer = await threadOf(env, found.submission, { audience: "customer" });
    expect(customer.map((e) => e.type)).toEqual(["request", "message"]);
    expect(customer[1]).toMatchObject({ message: { fromDraft: 1, kind: "reply" } });
  });

  it("is announced to staff on their channels (staff.draft_ready), and to admins by the reviewers' mail", async () => {
    const staff = await userId(unique("drafts-staff"), "staff");
    const admin = await userId(unique("drafts-admin"), "admin");
    const id = await submit(unique("announce"), "reviewed");
    await waitingAtReview(id);
    const told = await vi.waitFor(
      async () => {
        const { results } = await env.DB.prepare(
          "SELECT user_id, channel FROM notifications WHERE submission_id = ? AND event = 'staff.draft_ready'",
        )
          .bind(id)
          .all<{ user_id: string; channel: string }>();
        if (!results.some((r) => r.user_id === staff)) throw new Error("staff not told yet");
        return results;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(told.find((r) => r.user_id === staff)?.channel).toBe("email");
    expect(told.map((r) => r.user_id)).not.toContain(admin);
  });

  it("is discarded: the job completes, the customer is told nothing and cannot read it", async () => {
    const email = unique("discard");
    const id = await submit(email, "reviewed");
    await waitingAtReview(id);
    expect(await discardDraft(env, id)).toBe("ok");
    expect(await discardDraft(env, id)).toBe("conflict");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(await env.FILES.get(`results/${id}.md`)).toBeNull();
    const view = await getSubmission(id);
    expect(view.summary ?? null).toBeNull();
    expect((await notificationRows(id)).map((r) => r.event)).not.toContain("submission.completed");
    expect(await draftOf(env, id)).toBeNull();
    // Nobody answered the customer yet: a person must.
    expect((await deskRow(id))?.desk_status).toBe("open");
  });
});
