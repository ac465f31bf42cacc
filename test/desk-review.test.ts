/**
 * The desk's side of the review policy and its live updates, through the Worker: the AI's
 * draft in its editor, previewed,
 * sent as edited once, discarded, and a second decision shown as a conflict; each audited.
 * Live: the inbox's merged event stream carries a watched job's changes as they happen, and a
 * request's page is watched over the job's own stream.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { JobCoordinator } from "../durable-objects/job-coordinator";
import { apiKeyFor, postSubmission, waitForStatus } from "./helpers/api";
import { hiddenField } from "./helpers/client";
import { uniqueEmail } from "./helpers/rows";
import { signedInAs } from "./helpers/session";

const idOf = async (email: string) =>
  (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())?.id ?? "";

const auditRows = async (action: string, targetId: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_type, actor_id, after FROM audit_log WHERE action = ? AND target_id = ? ORDER BY id",
    )
      .bind(action, targetId)
      .all<{ actor_type: string; actor_id: string; after: string | null }>()
  ).results.map((r) => ({ ...r, after: JSON.parse(r.after ?? "null") }));

/** A `reviewed` request by a new customer, once its job waits for staff. */
async function waitingForReview() {
  const email = uniqueEmail("reviewed");
  await apiKeyFor(email);
  const res = await postSubmission({
    text: "What does a small website cost? Please check first.",
    email,
    workflow: "reviewed",
  });
  const { id } = await res.json<{ id: string }>();
  await vi.waitFor(
    async () => {
      const s = await runInDurableObject(env.JOB_COORDINATOR.getByName(id), (o: JobCoordinator) => o.snapshot());
      if (s?.review?.status !== "waiting") throw new Error("not waiting yet");
    },
    { timeout: 15_000, interval: 50 },
  );
  return { id, email };
}

/** Reads an event stream until `done` says so (or it ends); the `event: job` data, in order. */
async function readEvents(res: Response, done: (events: { submissionId: string; status: string }[]) => boolean) {
  const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const events: { submissionId: string; status: string }[] = [];
  let text = "";
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += value;
    const blocks = text.split("\n\n");
    text = blocks.pop() ?? "";
    for (const block of blocks) {
      const data = /^event: job\ndata: (.*)$/m.exec(block)?.[1];
      if (data) events.push(JSON.parse(data));
    }
    if (done(events)) break;
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

describe("the AI's draft on the desk", () => {
  it("is edited, previewed and sent once; a late second send is a conflict", async () => {
    const { id } = await waitingForReview();
    const staffEmail = uniqueEmail("reviewer");
    const staff = await signedInAs(staffEmail, "staff");
    const page = await staff.page(`/app/desk/${id}`);
    expect(page).toContain("AI draft — not sent, waiting for review");
    const draft = /<textarea id="draft-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(page)?.[1] ?? "";
    expect(draft).toContain("## Answer");
    const clientKey = hiddenField(page.slice(page.indexOf('id="draft"')), "clientKey") ?? "";
    const edited = `${draft.replaceAll("&gt;", ">").replaceAll("&lt;", "<").replaceAll("&amp;", "&").replaceAll("&#39;", "'").replaceAll("&quot;", '"')}\n\n**EDITED-BY-STAFF**: we start Monday.`;
    const preview = await staff.post(`/app/desk/${id}/draft`, { body: edited, clientKey, intent: "preview" }, page);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain("<strong>EDITED-BY-STAFF</strong>");

    const stale = await staff.page(`/app/desk/${id}`);
    const send = await staff.post(`/app/desk/${id}/draft`, { body: edited, clientKey, intent: "send" }, page);
    expect(send.headers.get("location")).toMatch(new RegExp(`^/app/desk/${id}\\?m=draft-sent`));
    // The same click again: the same answer, one audit row.
    const again = await staff.post(`/app/desk/${id}/draft`, { body: edited, clientKey, intent: "send" }, page);
    expect(again.headers.get("location")).toBe(send.headers.get("location"));
    const staleKey = hiddenField(stale.slice(stale.indexOf('id="draft"')), "clientKey") ?? "";
    const late = await staff.post(
      `/app/desk/${id}/draft`,
      { body: "mine", clientKey: staleKey, intent: "send" },
      stale,
    );
    expect(late.headers.get("location")).toBe(`/app/desk/${id}?m=draft-conflict`);
    expect(await staff.page(late.headers.get("location") ?? "")).toContain("Someone decided on this draft first");

    expect((await waitForStatus(id, ["completed", "failed"])).status).toBe("completed");
    expect(await (await env.FILES.get(`results/${id}.md`))?.text()).toContain("EDITED-BY-STAFF");
    const audited = await auditRows("desk.draft_sent", id);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      actor_type: "staff",
      actor_id: await idOf(staffEmail),
      after: { edited: true },
    });
    // Now the thread shows the sent reply, from the draft, to staff and owner alike.
    expect(await staff.page(`/app/desk/${id}`)).toContain("from the AI draft");
  });

  it("is discarded, audited, and a second discard is a conflict", async () => {
    const { id } = await waitingForReview();
    const staffEmail = uniqueEmail("discarder");
    const staff = await signedInAs(staffEmail, "admin");
    const page = await staff.page(`/app/desk/${id}`);
    const clientKey = hiddenField(page.slice(page.indexOf('id="draft"')), "clientKey") ?? "";
    const discard = await staff.post(`/app/desk/${id}/draft`, { body: "", clientKey, intent: "discard" }, page);
    expect(discard.headers.get("location")).toBe(`/app/desk/${id}?m=draft-discarded#reply`);
    const twice = await staff.post(`/app/desk/${id}/draft`, { body: "", clientKey, intent: "discard" }, page);
    expect(twice.headers.get("location")).toBe(`/app/desk/${id}?m=draft-conflict`);
    expect(await auditRows("desk.draft_discarded", id)).toEqual([
      { actor_type: "admin", actor_id: await idOf(staffEmail), after: { review: "discarded" } },
    ]);
    expect((await waitForStatus(id, ["completed", "failed"])).status).toBe("completed");
    expect(await staff.page(`/app/desk/${id}`)).not.toContain("draft-body");
  });
});

describe("live updates", () => {
  it("streams a watched job's changes to the inbox, and nothing for finished or foreign ids", async () => {
    const { id } = await waitingForReview();
    const staff = await signedInAs(uniqueEmail("watcher"), "staff");
    const inbox = await staff.page(`/app/desk?q=${id}`);
    expect(inbox).toMatch(new RegExp(`data-row="${id}" data-job-status="running"`));
    const res = await staff.get(`/app/desk/events?ids=${id},sub_NOTAREALID,${"x".repeat(5000)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const watching = readEvents(res, (events) => events.some((e) => e.status === "completed"));
    // The draft sent from the desk: the stream carries the job to completion.
    const page = await staff.page(`/app/desk/${id}`);
    const clientKey = hiddenField(page.slice(page.indexOf('id="draft"')), "clientKey") ?? "";
    await staff.post(`/app/desk/${id}/draft`, { body: "Our answer: 4,900 EUR.", clientKey, intent: "send" }, page);
    const events = await watching;
    expect(events[0]).toMatchObject({ submissionId: id, status: "running" });
    expect(events.at(-1)).toMatchObject({ submissionId: id, status: "completed" });

    // Finished, unknown or malformed ids: nothing to watch, and an EventSource stops asking.
    expect((await staff.get(`/app/desk/events?ids=${id}`)).status).toBe(204);
    expect((await staff.get("/app/desk/events?ids=")).status).toBe(204);
    expect((await staff.get(`/app/desk/events?ids=${",".repeat(100_000)}`)).status).toBe(204);
  });

  it("marks a running request's page for the live script, which reads the job's own stream as staff", async () => {
    const { id } = await waitingForReview();
    const staff = await signedInAs(uniqueEmail("viewer"), "staff");
    const page = await staff.page(`/app/desk/${id}`);
    expect(page).toContain(`data-desk-live="${id}"`);
    expect(page).toContain('data-review="waiting"');
    expect(page).toMatch(/src="\/app\/desk\/assets\/desk\.\d+\.js"/);
    const stream = await staff.get(`/v1/submissions/${id}/events`);
    expect(stream.status).toBe(200);
    const [first] = await readEvents(stream, (events) => events.length > 0);
    expect(first).toMatchObject({ submissionId: id, status: "running", review: { status: "waiting" } });
    const script = await staff.get(/src="(\/app\/desk\/assets\/desk\.\d+\.js)"/.exec(page)?.[1] ?? "");
    expect(script.status).toBe(200);
    expect(script.headers.get("cache-control")).toContain("immutable");
  });
});
