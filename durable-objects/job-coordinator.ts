import { DurableObject } from "cloudflare:workers";
import { db } from "../shared/db/client";
import { isTerminal } from "../shared/db/schema";
import { createLogger, type Logger } from "../shared/log";
import type { JobMessage } from "../shared/messages";
import { JobCancelledError, StepTimeoutError } from "../shared/pipeline/errors";
import { requestReview, tellOwnerQuietly } from "../shared/pipeline/notices";
import { backoff, isRetryable, publicReason } from "../shared/pipeline/retry";
import type { StepResult } from "../shared/pipeline/steps/context";
import { jobPolicy, policyFor, type StepName, type StepPolicy } from "../shared/pipeline/workflows";
import type { JobDecision } from "../shared/review";
import { claimRunSlot, ownerKey } from "../shared/submissions/repo";
import { runStep } from "./job/context";
import { loadSubmission, mirror } from "./job/d1";
import { settle } from "./job/final";
import { type JobRow, migrate, type StepRow } from "./job/schema";
import { type JobSnapshot, snapshotOf } from "./job/snapshot";
import { JobStore } from "./job/store";
import { Watchers } from "./job/watchers";

/** How long a job waits before asking again for a run slot its owner has used up. */
const ADMISSION_RETRY_MS = 1_000;

/** Result of `cancel` / `retry` / `review`: `conflict` when the job's state does not allow it. */
export interface ControlResult {
  outcome: "ok" | "not-found" | "conflict";
  snapshot: JobSnapshot | null;
}

/**
 * The job of one submission (named by its id): the engine that runs its workflow's steps
 * (`shared/pipeline/steps`) in order from its alarm. Every step change is persisted in SQLite
 * (`job/store.ts`) before and after the step, so a step that finished never runs again and a
 * restart resumes at the first unfinished step. The engine owns admission (the owner's run
 * slots), each attempt's timeout and abort, the retry policy, the review pause and the final
 * states; every change is mirrored to D1 (lists never wake the object) and pushed to live
 * watchers (`job/watchers.ts`).
 */
export class JobCoordinator extends DurableObject<Env> {
  readonly #store: JobStore;
  readonly #watchers: Watchers;
  /** The in-flight step's controller: cancel aborts it. Memory only, by design. */
  #inflight: AbortController | null = null;
  /** True while `#run` executes in this instance: a second entry would run a step twice. */
  #looping = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new JobStore(ctx.storage, env.FILES);
    this.#watchers = new Watchers(ctx);
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
  }

  /**
   * Starts the job, or does nothing if it already exists: safe for every redelivery of the
   * same queue message. Returns the job's current state, or null when D1 has no such
   * submission (a stray message).
   */
  async start(message: JobMessage): Promise<JobSnapshot | null> {
    const job = await this.#ensureJob(message.submissionId, message.correlationId);
    if (job && !isTerminal(job.status) && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now());
    }
    return this.snapshot();
  }

  /**
   * Cancels an unfinished job at once: its state is `cancelled` before this returns, an
   * in-flight provider call is aborted, and the submitter is told once.
   */
  async cancel(submissionId: string): Promise<ControlResult> {
    const job = await this.#ensureJob(submissionId);
    if (!job) return { outcome: "not-found", snapshot: null };
    if (isTerminal(job.status)) return { outcome: "conflict", snapshot: this.snapshot() };
    this.#store.cancel();
    this.#inflight?.abort(new JobCancelledError());
    await this.ctx.storage.deleteAlarm();
    const current = this.#store.job();
    if (current) await this.#afterTerminal(current, this.#log(current));
    return { outcome: "ok", snapshot: this.snapshot() };
  }

  /**
   * Runs a failed job again from its failed step: finished steps keep their outputs, the
   * failed step gets a fresh retry budget, and the skipped ones run after it.
   */
  async retry(submissionId: string): Promise<ControlResult> {
    const job = await this.#ensureJob(submissionId);
    if (!job) return { outcome: "not-found", snapshot: null };
    if (job.status !== "failed") return { outcome: "conflict", snapshot: this.snapshot() };
    this.#store.reopen({
      deadline_at: Date.now() + jobPolicy(this.env).deadlineMs,
      // A rejected result goes back to review when retried.
      ...(job.review_decision === "reject"
        ? { review_decision: null, reviewed_at: null, review_requested_at: null }
        : {}),
    });
    await this.#sync();
    await this.ctx.storage.setAlarm(Date.now());
    this.#log(job).info("job retried");
    return { outcome: "ok", snapshot: this.snapshot() };
  }

  /**
   * Records a decision on a job waiting at its review step and resumes it: approve lets it
   * deliver, reject fails it with a reason, discard completes it without telling the owner
   * (staff answer in their own words). Anything else is a conflict.
   */
  async review(submissionId: string, decision: JobDecision): Promise<ControlResult> {
    const job = await this.#ensureJob(submissionId);
    if (!job) return { outcome: "not-found", snapshot: null };
    if (job.status !== "running" || this.#store.next()?.name !== "review" || job.review_decision !== null) {
      return { outcome: "conflict", snapshot: this.snapshot() };
    }
    // The wait was the reviewer's, not the job's: the deadline starts again from here.
    this.#store.setJob({
      review_decision: decision,
      reviewed_at: Date.now(),
      deadline_at: Date.now() + jobPolicy(this.env).deadlineMs,
    });
    await this.#sync();
    await this.ctx.storage.setAlarm(Date.now());
    this.#log(job).info("review decided", { decision });
    return { outcome: "ok", snapshot: this.snapshot() };
  }

  /** The job's state as stored here (null before `start`). */
  snapshot(): JobSnapshot | null {
    const job = this.#store.job();
    return job ? snapshotOf(job, this.#store.steps()) : null;
  }

  /**
   * Forgets the job entirely (account deletion): no alarm left, no storage left. A later
   * message for the same id finds no D1 row and does nothing.
   */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /**
   * Live progress for one watcher (`job/watchers.ts`): a hibernatable WebSocket when the
   * request asks to upgrade, otherwise a `text/event-stream`. The caller passes the
   * submission id in `x-submission-id`.
   */
  override async fetch(request: Request): Promise<Response> {
    const job = await this.#ensureJob(request.headers.get("x-submission-id") ?? "");
    const snapshot = this.snapshot();
    if (!job || !snapshot) return new Response("no such job", { status: 404 });
    return this.#watchers.open(request, snapshot);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Watchers only listen; "ping" lets a client check the connection without waiting for a change.
    if (message === "ping") ws.send("pong");
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, "closing");
  }

  override async alarm(): Promise<void> {
    const job = this.#store.job();
    if (!job) return;
    await this.#run(this.#log(job));
  }

  /** Runs steps until the job finishes or must wait (retry delay, run slot, review, restart). */
  async #run(log: Logger): Promise<void> {
    if (this.#looping) return;
    this.#looping = true;
    try {
      while (await this.#advance(log));
    } finally {
      this.#looping = false;
    }
  }

  /** Moves the job one transition on; false when it is finished or must wait for its alarm. */
  async #advance(log: Logger): Promise<boolean> {
    const job = this.#store.job();
    if (!job) return false;
    if (isTerminal(job.status)) {
      await this.#afterTerminal(job, log);
      return false;
    }
    const now = Date.now();
    const limits = jobPolicy(this.env);
    if (job.deadline_at !== null && now >= job.deadline_at) {
      const minutes = Math.max(1, Math.round(limits.deadlineMs / 60_000));
      this.#store.fail(`The request took longer than the allowed ${minutes} minutes.`);
      log.error("job deadline passed");
      await this.#sync();
      return true;
    }
    const step = this.#store.next();
    if (!step) {
      this.#store.setJob({ status: "completed", completed_at: now, error: null });
      await this.#sync();
      log.info("job completed");
      return true;
    }
    const policy = policyFor(step.name, this.env);
    if (step.status === "running") {
      // Only this loop runs steps, and it is not running one: the object restarted mid-step
      // (or its attempt outlived the object). The interrupted attempt counts.
      if (step.attempts - step.attempt_floor >= policy.maxAttempts) {
        this.#store.fail(
          `The ${step.name} step failed after ${step.attempts - step.attempt_floor} attempts: it was interrupted.`,
          step.name,
        );
      } else {
        this.#store.setStep(step.name, {
          status: "pending",
          error: "The step was interrupted; it will be retried.",
          next_attempt_at: null,
        });
      }
      log.warn("step found interrupted", { step: step.name, attempts: step.attempts });
      await this.#sync(step.name);
      return true;
    }
    if (step.next_attempt_at !== null && step.next_attempt_at > now) {
      await this.ctx.storage.setAlarm(Math.min(step.next_attempt_at, job.deadline_at ?? Number.POSITIVE_INFINITY));
      return false;
    }
    if (job.status === "queued") {
      const admitted = await claimRunSlot(db(this.env.DB), job.id, ownerKey(job), limits.maxRunningPerOwner, now);
      if (this.#store.job()?.status !== "queued") return true; // cancelled meanwhile
      if (!admitted) {
        // The owner's other jobs hold every slot: wait here, in this job's own object, so one
        // owner's backlog never holds up anyone else's jobs.
        await this.ctx.storage.setAlarm(Date.now() + ADMISSION_RETRY_MS + Math.random() * ADMISSION_RETRY_MS);
        return false;
      }
      this.#store.setJob({ status: "running" });
    }
    if (step.name === "review" && job.review_decision === null) {
      // Pause: no alarm, no deadline, until `review()` records a decision and re-arms it.
      if (job.review_requested_at === null) {
        this.#store.setJob({ review_requested_at: Date.now() });
        await this.#sync(step.name);
        await requestReview(this.env, this.#notice(job), log);
      }
      await this.ctx.storage.deleteAlarm();
      return false;
    }
    return this.#attempt(job, step, policy, log);
  }

  /**
   * One attempt of `step`, bounded by its timeout and the job's deadline, in memory (a timer
   * aborts it) and durably (an alarm at the deadline finds it interrupted if the object died).
   * Its outcome is stored unless cancel or the deadline finished the job meanwhile. False
   * when a retry is scheduled.
   */
  async #attempt(job: JobRow, step: StepRow, policy: StepPolicy, log: Logger): Promise<boolean> {
    const startedAt = Date.now();
    const deadline = Math.min(startedAt + policy.timeoutMs, job.deadline_at ?? Number.POSITIVE_INFINITY);
    this.#store.setStep(step.name, {
      status: "running",
      attempts: step.attempts + 1,
      started_at: startedAt,
      finished_at: null,
      next_attempt_at: null,
      deadline_at: deadline,
    });
    await this.ctx.storage.setAlarm(deadline);
    await this.#sync(step.name);
    log.info("step started", { step: step.name, attempt: step.attempts + 1 });

    const controller = new AbortController();
    this.#inflight = controller;
    const timer = setTimeout(
      () => controller.abort(new StepTimeoutError(step.name, deadline - startedAt)),
      Math.max(0, deadline - Date.now()),
    );
    let result: StepResult | undefined;
    let failure: unknown;
    try {
      result = await runStep(this.env, this.#store, job, step.name, controller.signal, log);
    } catch (error) {
      // An abort surfaces as whatever the aborted call threw; the signal knows the real reason.
      failure = controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
      this.#inflight = null;
    }

    // Cancel (or a deadline) may have finished the job while the step ran: its word stands.
    const current = this.#store.job();
    if (!current || isTerminal(current.status) || this.#store.step(step.name)?.status !== "running") return true;

    if (result) {
      this.#store.setStep(step.name, {
        status: result.skipped ? "skipped" : "done",
        finished_at: Date.now(),
        error: null,
        provider: result.provider ?? null,
        output: await this.#store.storeOutput(job.id, step.name, result.output ?? { done: true }),
      });
      log.info("step done", { step: step.name, durationMs: Date.now() - startedAt, skipped: !!result.skipped });
    } else {
      const attempts = step.attempts + 1 - step.attempt_floor;
      const retryable = isRetryable(failure);
      const reason = publicReason(failure);
      if (retryable && attempts < policy.maxAttempts) {
        const delay = backoff(attempts, policy.retryBaseMs);
        this.#store.setStep(step.name, { status: "pending", error: reason, next_attempt_at: Date.now() + delay });
        await this.#sync(step.name);
        log.warn("step failed; will retry", { step: step.name, attempt: attempts, delayMs: delay, error: failure });
        await this.ctx.storage.setAlarm(Date.now() + delay);
        return false;
      }
      this.#store.fail(
        `The ${step.name} step failed${retryable ? ` after ${attempts} attempts` : ""}: ${reason}`,
        step.name,
        reason,
      );
      log.error("job failed", { step: step.name, attempt: attempts, retryable, error: failure });
    }
    await this.#sync(step.name);
    return true;
  }

  /** After a final state: D1 and the watchers learn it, then its once-only effects (`job/final.ts`). */
  async #afterTerminal(job: JobRow, log: Logger): Promise<void> {
    await this.#sync();
    await settle(this.env, this.#store, job, log);
  }

  /** Mirrors the job and its steps (or just `only`) to D1, then pushes the state to every watcher. */
  async #sync(only?: StepName): Promise<void> {
    const job = this.#store.job();
    if (!job) return;
    await mirror(
      this.env,
      job,
      this.#store.steps().filter((s) => only === undefined || s.name === only),
    );
    // The state as it is now: a cancel may have landed during the write.
    const snapshot = this.snapshot();
    if (snapshot) this.#watchers.broadcast(snapshot);
  }

  /** Creates the job from its D1 row on first contact (start, cancel, retry or a watcher). */
  async #ensureJob(submissionId: string, correlationId?: string): Promise<JobRow | null> {
    const existing = this.#store.job();
    if (existing) return existing;
    if (!submissionId) return null;
    const row = await loadSubmission(this.env, submissionId);
    if (!row) return null;
    // Re-check after the await: a concurrent call may have created the job meanwhile.
    const again = this.#store.job();
    if (again) return again;
    this.#store.create(row, correlationId ?? row.correlationId, Date.now() + jobPolicy(this.env).deadlineMs);
    const job = this.#store.job();
    if (job && !isTerminal(row.status)) {
      await tellOwnerQuietly(this.env, this.#notice(job), "submission.received", this.#log(job));
    }
    return job;
  }

  #notice(job: JobRow) {
    return { id: job.id, correlationId: job.correlation_id };
  }

  #log(job: JobRow): Logger {
    return createLogger({ correlationId: job.correlation_id, submissionId: job.id, component: "job" });
  }
}
