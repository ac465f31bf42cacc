/**
 * The retention queries (workers/retention/repo.ts) against the local D1: which submissions
 * have expired, and a delete that takes their steps, delivery log and AI usage with them while
 * re-checking, in the same batch, that each is still finished and unpinned.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../../shared/db/client";
import { deleteSubmissions, findExpired } from "../../workers/retention/repo";
import { notificationRow, submissionRow } from "../helpers/rows";

const d = db(env.DB);
const DAY = 86_400_000;
/** Far in the past: no row of another test in this file is this old. */
const LONG_AGO = Date.UTC(2001, 0, 1);

/** A submission with a step, a delivery-log row and an AI usage row. */
async function withChildren(seed: Parameters<typeof submissionRow>[0]): Promise<string> {
  const id = await submissionRow(seed);
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO submission_steps (submission_id, name, position, status) VALUES (?, 'analyse', 0, 'done')",
    ).bind(id),
    env.DB.prepare(
      "INSERT INTO ai_usage (submission_id, step, operation, provider, latency_ms, ok, created_at) VALUES (?, 'analyse', 'analyse', 'workers-ai', 5, 1, ?)",
    ).bind(id, Date.now()),
  ]);
  await notificationRow({ submissionId: id });
  return id;
}

async function left(id: string) {
  const n = (table: string, column: string) =>
    env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = ?`).bind(id).first<number>("n");
  return {
    submission: await n("submissions", "id"),
    steps: await n("submission_steps", "submission_id"),
    notifications: await n("notifications", "submission_id"),
    usage: await n("ai_usage", "submission_id"),
  };
}

const ALL = { submission: 1, steps: 1, notifications: 1, usage: 1 };
const NONE = { submission: 0, steps: 0, notifications: 0, usage: 0 };

describe("findExpired", () => {
  it("lists finished, unpinned submissions created before the cut-off, oldest first, up to the limit", async () => {
    const oldest = await submissionRow({ status: "failed", createdAt: LONG_AGO - 3 * DAY });
    const older = await submissionRow({ status: "cancelled", createdAt: LONG_AGO - 2 * DAY });
    const old = await submissionRow({ status: "completed", createdAt: LONG_AGO - DAY });
    await submissionRow({ status: "completed", createdAt: LONG_AGO - 5 * DAY, pinned: true });
    await submissionRow({ status: "queued", createdAt: LONG_AGO - 5 * DAY });
    await submissionRow({ status: "running", createdAt: LONG_AGO - 5 * DAY });
    await submissionRow({ status: "completed", createdAt: LONG_AGO }); // not before the cut-off

    const ids = async (limit: number) => (await findExpired(d, LONG_AGO, limit)).map((r) => r.id);
    expect(await ids(10)).toEqual([oldest, older, old]);
    expect(await ids(2)).toEqual([oldest, older]);
    expect(await findExpired(d, LONG_AGO - 3 * DAY, 10)).toEqual([]);
  });
});

describe("deleteSubmissions", () => {
  it("removes the rows with their steps, delivery log and usage, and returns their object keys", async () => {
    const done = await withChildren({ status: "completed", resultKey: "results/x.md" });
    const failed = await withChildren({ status: "failed" });
    const removed = await deleteSubmissions(d, [done, failed]);
    expect(removed).toHaveLength(2);
    expect(removed).toEqual(
      expect.arrayContaining([
        { id: done, inputKey: `inputs/${done}.json`, resultKey: "results/x.md" },
        { id: failed, inputKey: `inputs/${failed}.json`, resultKey: null },
      ]),
    );
    expect(await left(done)).toEqual(NONE);
    expect(await left(failed)).toEqual(NONE);
  });

  it("spares a submission pinned or reopened since it was found, with everything that belongs to it", async () => {
    const pinned = await withChildren({ status: "completed" });
    const running = await withChildren({ status: "completed" });
    const doomed = await withChildren({ status: "cancelled" });
    // Between findExpired and the delete: an admin pins one, another is retried.
    await env.DB.prepare("UPDATE submissions SET pinned = 1 WHERE id = ?").bind(pinned).run();
    await env.DB.prepare("UPDATE submissions SET status = 'running' WHERE id = ?").bind(running).run();
    const removed = await deleteSubmissions(d, [pinned, running, doomed, "sub_UNKNOWN"]);
    expect(removed.map((r) => r.id)).toEqual([doomed]);
    expect(await left(pinned)).toEqual(ALL);
    expect(await left(running)).toEqual(ALL);
    expect(await left(doomed)).toEqual(NONE);
  });

  it("does nothing for no ids", async () => {
    const kept = await withChildren({ status: "completed" });
    expect(await deleteSubmissions(d, [])).toEqual([]);
    expect(await left(kept)).toEqual(ALL);
  });
});
