import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newSubmissionId } from "../shared/ids";
import { CRONS } from "../workers/cron/dispatch";
import worker from "../workers/index";

const DAY = 86_400_000;

/** A submission as the pipeline leaves it: row, three steps, a delivery-log row, input and result in R2. */
async function seed(opts: { ageDays: number; status: string; pinned?: boolean }) {
  const created = Date.now() - opts.ageDays * DAY;
  const id = newSubmissionId(created);
  const inputKey = `inputs/${id}.json`;
  const resultKey = opts.status === "completed" ? `results/${id}.md` : null;
  await env.FILES.put(inputKey, JSON.stringify({ id, text: "hello" }));
  if (resultKey) await env.FILES.put(resultKey, "# Result");
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO submissions (id, status, source, email, text_chars, input_key, result_key, correlation_id, created_at, updated_at, pinned) VALUES (?, ?, 'api', 'r@example.com', 5, ?, ?, 'corr', ?, ?, ?)",
    ).bind(id, opts.status, inputKey, resultKey, created, created, opts.pinned ? 1 : 0),
    ...["analyse", "store", "notify"].map((name, i) =>
      env.DB.prepare(
        "INSERT INTO submission_steps (submission_id, name, position, status) VALUES (?, ?, ?, 'done')",
      ).bind(id, name, i),
    ),
    env.DB.prepare(
      "INSERT INTO notifications (id, submission_id, event, channel, recipient, status, created_at, updated_at) VALUES (?, ?, 'submission.completed', 'email', 'r@example.com', 'sent', ?, ?)",
    ).bind(`${id}:submission.completed:email`, id, created, created),
  ]);
  return { id, keys: [inputKey, ...(resultKey ? [resultKey] : [])] };
}

async function remaining(id: string) {
  const count = (table: string, column: string) =>
    env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(id).first<number>("n");
  return {
    submission: await count("submissions", "id"),
    steps: await count("submission_steps", "submission_id"),
    notifications: await count("notifications", "submission_id"),
  };
}

async function objectsExist(keys: string[]) {
  return Promise.all(keys.map(async (k) => (await env.FILES.head(k)) !== null));
}

async function sweep() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: CRONS.retention, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("the retention sweep", () => {
  it("removes finished, unpinned submissions past RETENTION_DAYS and nothing else", async () => {
    expect(env.RETENTION_DAYS).toBe("30");
    const expiredDone = await seed({ ageDays: 31, status: "completed" });
    const expiredFailed = await seed({ ageDays: 400, status: "failed" });
    const pinned = await seed({ ageDays: 400, status: "completed", pinned: true });
    const young = await seed({ ageDays: 29, status: "completed" });
    const unfinished = await seed({ ageDays: 60, status: "running" });

    await sweep();

    for (const gone of [expiredDone, expiredFailed]) {
      expect(await remaining(gone.id)).toEqual({ submission: 0, steps: 0, notifications: 0 });
      expect(await objectsExist(gone.keys)).toEqual(gone.keys.map(() => false));
    }
    for (const kept of [pinned, young, unfinished]) {
      expect(await remaining(kept.id)).toEqual({ submission: 1, steps: 3, notifications: 1 });
      expect(await objectsExist(kept.keys)).toEqual(kept.keys.map(() => true));
    }
  });

  it("works through more expired submissions than one round takes", async () => {
    const many = [];
    for (let i = 0; i < 120; i++) many.push(await seed({ ageDays: 45, status: "completed" }));
    await sweep();
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM submissions WHERE status = 'completed' AND pinned = 0 AND created_at < ?",
    )
      .bind(Date.now() - 30 * DAY)
      .first<number>("n");
    expect(left).toBe(0);
    expect(await objectsExist(many.flatMap((m) => m.keys))).not.toContain(true);
  });
});
