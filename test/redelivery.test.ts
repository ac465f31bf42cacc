import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { JobCoordinator } from "../durable-objects/job-coordinator";
import { newSubmissionId } from "../shared/ids";
import { createLogger } from "../shared/log";
import { type JobMessage, type NotificationMessage, PIPELINE_STEPS } from "../shared/messages";
import { notifyEvent } from "../shared/notifications/deliver";
import { deliverNotification } from "../shared/notifications/send";
import worker from "../workers/index";
import { getSubmission, notificationRows, postSubmission, readSentEmail, waitForStatus } from "./helpers/api";

async function submit(email = "ada@example.com") {
  const res = await postSubmission({ text: "Summarise the supplier review. Deliveries were late twice.", email });
  expect(res.status).toBe(202);
  return await res.json<{ id: string; requestId: string }>();
}

async function deliverJob(queue: string, body: unknown, attempts = 1) {
  const batch = createMessageBatch(queue, [
    { id: `msg-${crypto.randomUUID()}`, timestamp: new Date(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("at-least-once delivery never sends a second email", () => {
  it("ignores a redelivered job message after the job completed", async () => {
    const { id, requestId } = await submit();
    await waitForStatus(id, ["completed"]);
    const [first] = await notificationRows(id);

    const message: JobMessage = { kind: "job.start", submissionId: id, correlationId: requestId };
    for (let i = 0; i < 3; i++) {
      const result = await deliverJob("statex-jobs", message, i + 2);
      expect(result.explicitAcks).toHaveLength(1);
      expect(result.retryMessages).toEqual([]);
    }

    const after = await getSubmission(id);
    expect(after.status).toBe("completed");
    expect(after.steps.map((s) => s.attempts)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const rows = await notificationRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(first);
    expect(rows[0]?.attempts).toBe(1);
  });

  it("does not send again when the notify step itself re-runs", async () => {
    const { id, requestId } = await submit();
    await waitForStatus(id, ["completed"]);
    const [first] = await notificationRows(id);
    const log = createLogger({ correlationId: requestId });
    // The notify step's own call: the email inline, as the job coordinator makes it.
    const again = await notifyEvent(env, {
      event: "submission.completed",
      subject: { kind: "submission", submissionId: id },
      correlationId: requestId,
      log,
      inlineEmail: true,
    });
    expect(again).toEqual([]);
    // The row's own `deliver` message, redelivered: the sent row is found finished.
    const redelivered = await deliverNotification(env, first?.id ?? "", log);
    expect(redelivered.status).toBe("already-done");
    const rows = await notificationRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(first);
    expect(rows[0]?.attempts).toBe(1);
  });

  it("ignores a duplicate notification message", async () => {
    const { id, requestId } = await submit();
    await waitForStatus(id, ["completed"]);
    const dup: NotificationMessage = {
      kind: "notify",
      event: "submission.completed",
      submissionId: id,
      correlationId: requestId,
    };
    const result = await deliverJob("statex-notifications", dup);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await notificationRows(id))[0]?.attempts).toBe(1);
  });

  it("starts each job once even when two deliveries race", async () => {
    const { id, requestId } = await submit();
    const message: JobMessage = { kind: "job.start", submissionId: id, correlationId: requestId };
    await Promise.all([deliverJob("statex-jobs", message), deliverJob("statex-jobs", message)]);
    const done = await waitForStatus(id, ["completed"]);
    expect(done.steps.map((s) => s.attempts)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await notificationRows(id)).toHaveLength(1);
    const stub = env.JOB_COORDINATOR.getByName(id);
    const snapshot = await runInDurableObject(stub, (instance: JobCoordinator) => instance.snapshot());
    expect(snapshot?.status).toBe("completed");
  });
});

describe("queue consumers", () => {
  it("acks and drops a malformed job message instead of retrying it forever", async () => {
    const result = await deliverJob("statex-jobs", { hello: "world" });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
  });

  it("acks a job message for a submission that does not exist", async () => {
    const result = await deliverJob("statex-jobs", {
      kind: "job.start",
      submissionId: newSubmissionId(),
      correlationId: "x",
    });
    expect(result.explicitAcks).toHaveLength(1);
  });

  it("fails a dead-lettered job that never started and tells the submitter", async () => {
    // A submission whose job message was lost: write it as intake would, without enqueueing.
    const now = Date.now();
    const id = newSubmissionId();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO submissions (id, status, source, email, text_chars, input_key, correlation_id, created_at, updated_at) VALUES (?, 'queued', 'api', 'dl@example.com', 5, ?, 'corr-dl', ?, ?)",
      ).bind(id, `inputs/${id}.json`, now, now),
    ]);
    const result = await deliverJob("statex-jobs-dlq", {
      kind: "job.start",
      submissionId: id,
      correlationId: "corr-dl",
    });
    expect(result.explicitAcks).toHaveLength(1);
    const view = await getSubmission(id);
    expect(view.status).toBe("failed");
    expect(view.error).toMatch(/could not be started/);
    const row = await vi.waitFor(
      async () => {
        const [n] = await notificationRows(id);
        if (n?.status !== "sent") throw new Error("not yet");
        return n;
      },
      { timeout: 10_000, interval: 50 },
    );
    const { email } = await readSentEmail(row.provider_message_id ?? "");
    expect(email.to?.[0]?.address).toBe("dl@example.com");
  });
});

describe("the scheduled re-drive", () => {
  it("starts an accepted submission whose job message was lost", async () => {
    const old = Date.now() - 60 * 60_000;
    const id = newSubmissionId(old);
    await env.FILES.put(
      `inputs/${id}.json`,
      JSON.stringify({
        id,
        source: "api",
        email: "rd@example.com",
        text: "Lost in the queue. Please still answer.",
        receivedAt: new Date(old).toISOString(),
        correlationId: "corr-rd",
      }),
    );
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO submissions (id, status, source, email, text_chars, input_key, correlation_id, created_at, updated_at) VALUES (?, 'queued', 'api', 'rd@example.com', 40, ?, 'corr-rd', ?, ?)",
      ).bind(id, `inputs/${id}.json`, old, old),
      ...PIPELINE_STEPS.map((name, i) =>
        env.DB.prepare(
          "INSERT INTO submission_steps (submission_id, name, position, status) VALUES (?, ?, ?, 'pending')",
        ).bind(id, name, i),
      ),
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.requestId).toBe("corr-rd");
  });

  it("leaves fresh and finished submissions alone", async () => {
    const { id } = await submit();
    await waitForStatus(id, ["completed"]);
    const sendBatch = vi.spyOn(env.JOBS, "sendBatch");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(sendBatch).not.toHaveBeenCalled();
  });
});
