import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { type Analysis, type CallRecord, ProviderChain, ProviderError, truncate } from "../shared/ai";
import { db } from "../shared/db/client";
import {
  aiUsage,
  isTerminal,
  type StepStatus,
  type SubmissionStatus,
  submissionSteps,
  submissions,
} from "../shared/db/schema";
import { audioChunks, documentKind, extractDocumentText, isAudio, UnsupportedDocumentError } from "../shared/extract";
import { createLogger, type Logger } from "../shared/log";
import type { JobMessage, NotificationEvent, NotificationMessage } from "../shared/messages";
import { DeliveryError, notifyEvent } from "../shared/notifications/deliver";
import { mailReviewers } from "../shared/notifications/review-mail";
import { type ReviewDecision, reviewLinks } from "../shared/review";
import type { StoredFile, StoredInput } from "../shared/submissions/accept";
import { announceTerminal } from "../shared/submissions/events";
import { documentsKey, resultKey, stepOutputKey, transcriptKey } from "../shared/submissions/keys";
import { claimRunSlot, ownerKey } from "../shared/submissions/repo";
import { traceparentFor } from "../shared/trace";
import { type PolicyOverrides, policyFor, type StepName, stepsOf } from "../shared/workflows";

const SCHEMA_VERSION = 4;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Step outputs larger than this go to R2; the step keeps the key. */
const INLINE_OUTPUT_MAX = 32 * 1024;
/** Below the 25 MB upload limit of OpenAI-compatible transcription APIs. */
const AUDIO_CHUNK_BYTES = 20 * 1024 * 1024;
/** How much gathered text (request, transcripts, documents) goes to the model. */
const MAX_ANALYSIS_CHARS = 60_000;
/** How long a job waits before asking again for a run slot its owner has used up. */
const ADMISSION_RETRY_MS = 1_000;

/** A step failure no retry can fix (bad input, refused content, missing data). */
export class PermanentStepError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "PermanentStepError";
  }
}

/** An attempt that ran past its step's timeout (or the job's deadline); retryable. */
export class StepTimeoutError extends Error {
  constructor(step: StepName, ms: number) {
    super(`The ${step} step timed out after ${ms} ms.`);
    this.name = "StepTimeoutError";
  }
}

/** The reason an in-flight call is aborted when its job is cancelled. */
export class JobCancelledError extends Error {
  constructor() {
    super("The job was cancelled.");
    this.name = "JobCancelledError";
  }
}

export interface StepSnapshot {
  name: StepName;
  status: StepStatus;
  attempts: number;
  provider: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  nextAttemptAt: number | null;
}

export interface JobSnapshot {
  submissionId: string;
  status: SubmissionStatus;
  workflow: string;
  error: string | null;
  deadlineAt: number | null;
  /** Present once a `reviewed` workflow reaches its review step. */
  review: { status: "waiting" | "approved" | "rejected"; requestedAt: number; decidedAt: number | null } | null;
  steps: StepSnapshot[];
}

/** Result of `cancel` / `retry`: `conflict` when the job's state does not allow it. */
export interface ControlResult {
  outcome: "ok" | "not-found" | "conflict";
  snapshot: JobSnapshot | null;
}

type JobRow = {
  id: string;
  status: SubmissionStatus;
  workflow: string;
  email: string;
  input_key: string;
  correlation_id: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  deadline_at: number | null;
  /** When the terminal notice (failed or cancelled) was queued; at most once per run. */
  failure_notice_at: number | null;
  /** The last final state announced to webhook endpoints. */
  announced_status: string | null;
  review_requested_at: number | null;
  review_decision: ReviewDecision | null;
  reviewed_at: number | null;
};

type StepRow = {
  name: StepName;
  position: number;
  status: StepStatus;
  attempts: number;
  /** `attempts` when the job was last retried: the retry budget counts from here. */
  attempt_floor: number;
  provider: string | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  next_attempt_at: number | null;
  deadline_at: number | null;
  output: string | null;
};

/** What the gather step found. */
interface Gathered {
  text: string;
  audio: StoredFile[];
  documents: StoredFile[];
}

type StepResult = { output?: unknown; provider?: string; skipped?: boolean };

/**
 * The job of one submission (named by its id). Runs its workflow's steps in order from its
 * alarm, persisting every step change in SQLite before and after the step, so a step that
 * finished never runs again and a restart resumes at the first unfinished step. Every change
 * is mirrored to D1 (lists never wake the object) and pushed to live watchers (WebSocket,
 * hibernatable; or SSE).
 */
export class JobCoordinator extends DurableObject<Env> {
  readonly #sql: SqlStorage;
  /** The in-flight step's controller: cancel aborts it. Memory only, by design. */
  #inflight: AbortController | null = null;
  /** True while `#run` executes in this instance: a second entry would run a step twice. */
  #looping = false;
  /** Open SSE streams (not hibernatable, unlike WebSockets); dropped when the object is. */
  readonly #streams = new Set<WritableStreamDefaultWriter<Uint8Array>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => this.#migrate());
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
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        "UPDATE steps SET status = 'skipped', error = 'Cancelled while running.', finished_at = ? WHERE status = 'running'",
        now,
      );
      this.#sql.exec("UPDATE steps SET status = 'skipped' WHERE status = 'pending'");
      this.#setJob({ status: "cancelled", error: "Cancelled at the submitter's request.", completed_at: now });
    });
    this.#inflight?.abort(new JobCancelledError());
    await this.ctx.storage.deleteAlarm();
    const current = this.#job();
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
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        `UPDATE steps SET status = 'pending', attempt_floor = attempts, error = NULL, next_attempt_at = NULL,
           finished_at = NULL, deadline_at = NULL
         WHERE status = 'failed' OR (status = 'skipped' AND output IS NULL)`,
      );
      this.#setJob({
        status: "queued",
        error: null,
        completed_at: null,
        failure_notice_at: null,
        deadline_at: Date.now() + this.#jobDeadlineMs(),
        // A rejected result goes back to review when retried.
        ...(job.review_decision === "reject"
          ? { review_decision: null, reviewed_at: null, review_requested_at: null }
          : {}),
      });
    });
    await this.#sync();
    await this.ctx.storage.setAlarm(Date.now());
    this.#log(job).info("job retried");
    return { outcome: "ok", snapshot: this.snapshot() };
  }

  /**
   * Records an admin's decision on a job waiting at its review step and resumes it: approve
   * lets it deliver, reject fails it with a reason. Anything else is a conflict.
   */
  async review(submissionId: string, decision: ReviewDecision): Promise<ControlResult> {
    const job = await this.#ensureJob(submissionId);
    if (!job) return { outcome: "not-found", snapshot: null };
    const next = this.#steps().find((s) => s.status === "pending" || s.status === "running");
    if (job.status !== "running" || next?.name !== "review" || job.review_decision !== null) {
      return { outcome: "conflict", snapshot: this.snapshot() };
    }
    // The wait was the reviewer's, not the job's: the deadline starts again from here.
    this.#setJob({
      review_decision: decision,
      reviewed_at: Date.now(),
      deadline_at: Date.now() + this.#jobDeadlineMs(),
    });
    await this.#sync();
    await this.ctx.storage.setAlarm(Date.now());
    this.#log(job).info("review decided", { decision });
    return { outcome: "ok", snapshot: this.snapshot() };
  }

  /** The job's state as stored here (null before `start`). */
  snapshot(): JobSnapshot | null {
    const job = this.#job();
    if (!job) return null;
    return {
      submissionId: job.id,
      status: job.status,
      workflow: job.workflow,
      error: job.error,
      deadlineAt: job.deadline_at,
      review:
        job.review_requested_at === null
          ? null
          : {
              status:
                job.review_decision === null ? "waiting" : job.review_decision === "approve" ? "approved" : "rejected",
              requestedAt: job.review_requested_at,
              decidedAt: job.reviewed_at,
            },
      steps: this.#steps().map((s) => ({
        name: s.name,
        status: s.status,
        attempts: s.attempts,
        provider: s.provider,
        error: s.error,
        startedAt: s.started_at,
        finishedAt: s.finished_at,
        nextAttemptAt: s.next_attempt_at,
      })),
    };
  }

  /**
   * Live progress for one watcher: a WebSocket (accepted hibernatable, so idle watchers cost
   * nothing) when the request asks to upgrade, otherwise a `text/event-stream`. Each gets the
   * current snapshot at once, then one message per state change; both close at a final state.
   * The caller passes the submission id in `x-submission-id`.
   */
  override async fetch(request: Request): Promise<Response> {
    const id = request.headers.get("x-submission-id") ?? "";
    const job = await this.#ensureJob(id);
    const snapshot = this.snapshot();
    if (!job || !snapshot) return new Response("no such job", { status: 404 });
    const terminal = isTerminal(job.status);
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const { 0: client, 1: server } = new WebSocketPair();
      this.ctx.acceptWebSocket(server);
      server.send(JSON.stringify(snapshot));
      if (terminal) server.close(1000, job.status);
      return new Response(null, { status: 101, webSocket: client });
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.#streams.add(writer);
    this.#push(writer, "retry: 3000\n\n");
    this.#push(writer, sseEvent(snapshot));
    if (terminal) this.#closeStream(writer);
    return new Response(readable, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Watchers only listen; "ping" lets a client check the connection without waiting for a change.
    if (message === "ping") ws.send("pong");
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 ? 1000 : code, "closing");
  }

  override async alarm(): Promise<void> {
    const job = this.#job();
    if (!job) return;
    await this.#run(this.#log(job));
  }

  /** Runs steps until the job finishes or must wait (retry delay, run slot, restart). */
  async #run(log: Logger): Promise<void> {
    if (this.#looping) return;
    this.#looping = true;
    try {
      await this.#loop(log);
    } finally {
      this.#looping = false;
    }
  }

  async #loop(log: Logger): Promise<void> {
    for (;;) {
      const job = this.#job();
      if (!job) return;
      if (isTerminal(job.status)) {
        await this.#afterTerminal(job, log);
        return;
      }
      const now = Date.now();
      if (job.deadline_at !== null && now >= job.deadline_at) {
        const minutes = Math.max(1, Math.round(this.#jobDeadlineMs() / 60_000));
        this.#failJob(`The request took longer than the allowed ${minutes} minutes.`);
        log.error("job deadline passed");
        await this.#sync();
        continue;
      }
      const step = this.#steps().find((s) => s.status === "pending" || s.status === "running");
      if (!step) {
        this.#setJob({ status: "completed", completed_at: now, error: null });
        await this.#sync();
        log.info("job completed");
        continue;
      }
      const policy = policyFor(step.name, this.env as PolicyOverrides);
      if (step.status === "running") {
        // Only this loop runs steps, and it is not running one: the object restarted mid-step
        // (or its attempt outlived the object). The interrupted attempt counts.
        if (step.attempts - step.attempt_floor >= policy.maxAttempts) {
          this.#failJob(
            `The ${step.name} step failed after ${step.attempts - step.attempt_floor} attempts: it was interrupted.`,
            step.name,
          );
        } else {
          this.#setStep(step.name, {
            status: "pending",
            error: "The step was interrupted; it will be retried.",
            next_attempt_at: null,
          });
        }
        log.warn("step found interrupted", { step: step.name, attempts: step.attempts });
        await this.#sync(step.name);
        continue;
      }
      if (step.next_attempt_at !== null && step.next_attempt_at > now) {
        await this.ctx.storage.setAlarm(Math.min(step.next_attempt_at, job.deadline_at ?? Number.POSITIVE_INFINITY));
        return;
      }
      if (job.status === "queued") {
        const admitted = await claimRunSlot(db(this.env.DB), job.id, ownerKey(job), this.#maxRunningPerOwner(), now);
        if (this.#job()?.status !== "queued") continue; // cancelled meanwhile
        if (!admitted) {
          // The owner's other jobs hold every slot: wait here, in this job's own object, so one
          // owner's backlog never holds up anyone else's jobs.
          await this.ctx.storage.setAlarm(Date.now() + ADMISSION_RETRY_MS + Math.random() * ADMISSION_RETRY_MS);
          return;
        }
        this.#setJob({ status: "running" });
      }

      if (step.name === "review" && job.review_decision === null) {
        // Pause: no alarm, no deadline, until `review()` records a decision and re-arms it.
        if (job.review_requested_at === null) {
          this.#setJob({ review_requested_at: Date.now() });
          await this.#sync(step.name);
          await this.#requestReview(job, log);
        }
        await this.ctx.storage.deleteAlarm();
        return;
      }

      const startedAt = Date.now();
      const deadline = Math.min(startedAt + policy.timeoutMs, job.deadline_at ?? Number.POSITIVE_INFINITY);
      this.#setStep(step.name, {
        status: "running",
        attempts: step.attempts + 1,
        started_at: startedAt,
        finished_at: null,
        next_attempt_at: null,
        deadline_at: deadline,
      });
      // The durable half of the timeout: if this object dies mid-step, the alarm brings a new
      // instance back at the deadline to find the step interrupted and retry it.
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
        result = await this.#execute(step.name, job, controller.signal, log);
      } catch (error) {
        // An abort surfaces as whatever the aborted call threw; the signal knows the real reason.
        failure = controller.signal.aborted ? controller.signal.reason : error;
      } finally {
        clearTimeout(timer);
        this.#inflight = null;
      }

      // Cancel (or a deadline) may have finished the job while the step ran: its word stands.
      const current = this.#job();
      const currentStep = this.#steps().find((s) => s.name === step.name);
      if (!current || isTerminal(current.status) || currentStep?.status !== "running") continue;

      if (result) {
        this.#setStep(step.name, {
          status: result.skipped ? "skipped" : "done",
          finished_at: Date.now(),
          error: null,
          provider: result.provider ?? null,
          output: await this.#storeOutput(job.id, step.name, result.output ?? { done: true }),
        });
        log.info("step done", { step: step.name, durationMs: Date.now() - startedAt, skipped: !!result.skipped });
      } else {
        const attempts = step.attempts + 1 - step.attempt_floor;
        const retryable = isRetryable(failure);
        const reason = publicReason(failure);
        if (retryable && attempts < policy.maxAttempts) {
          const delay = backoff(attempts, policy.retryBaseMs);
          this.#setStep(step.name, { status: "pending", error: reason, next_attempt_at: Date.now() + delay });
          await this.#sync(step.name);
          log.warn("step failed; will retry", { step: step.name, attempt: attempts, delayMs: delay, error: failure });
          await this.ctx.storage.setAlarm(Date.now() + delay);
          return;
        }
        this.#failJob(
          `The ${step.name} step failed${retryable ? ` after ${attempts} attempts` : ""}: ${reason}`,
          step.name,
          reason,
        );
        log.error("job failed", { step: step.name, attempt: attempts, retryable, error: failure });
      }
      await this.#sync(step.name);
    }
  }

  async #execute(name: StepName, job: JobRow, signal: AbortSignal, log: Logger): Promise<StepResult> {
    const calls: CallRecord[] = [];
    try {
      return await this.#executeStep(name, job, { signal, onCall: (c) => calls.push(c) }, log);
    } finally {
      await this.#recordUsage(job.id, name, calls, log);
    }
  }

  async #executeStep(
    name: StepName,
    job: JobRow,
    call: { signal: AbortSignal; onCall: (c: CallRecord) => void },
    log: Logger,
  ): Promise<StepResult> {
    switch (name) {
      case "gather": {
        const object = await this.env.FILES.get(job.input_key);
        if (!object) throw new PermanentStepError("The request's input is missing from storage.");
        const input = (await object.json()) as StoredInput;
        const gathered: Gathered = { text: input.text, audio: [], documents: [] };
        for (const file of input.files ?? []) {
          if (isAudio(file.contentType, file.name)) gathered.audio.push(file);
          else if (documentKind(file.contentType, file.name)) gathered.documents.push(file);
          else throw new PermanentStepError(`The file "${file.name}" (${file.contentType}) is not supported.`);
        }
        return { output: gathered };
      }
      case "transcribe": {
        const gathered = await this.#output<Gathered>("gather");
        if (gathered.audio.length === 0) return { skipped: true, output: { skipped: "no audio" } };
        const chain = this.#chain();
        const sections: string[] = [];
        let transcribedAll = true;
        const providers = new Set<string>();
        for (const [i, file] of gathered.audio.entries()) {
          const object = await this.env.FILES.get(file.key);
          if (!object) throw new PermanentStepError(`The audio "${file.name}" is missing from storage.`);
          const bytes = new Uint8Array(await object.arrayBuffer());
          const chunkBytes = Number(this.env.AUDIO_CHUNK_BYTES) || AUDIO_CHUNK_BYTES;
          const chunks = audioChunks(bytes, file.contentType, file.name, chunkBytes);
          const texts: string[] = [];
          for (const [j, chunk] of chunks.entries()) {
            // Each chunk is memoized on its own: a retry resumes at the first chunk not done.
            const part = `${i}:${j}`;
            let done = this.#part<{ text: string; transcribed: boolean; provider: string }>("transcribe", part);
            if (!done) {
              const t = await chain.transcribe(
                { bytes: chunk, contentType: file.contentType, name: file.name },
                { signal: call.signal, onCall: call.onCall, traceparent: traceparentFor(job.correlation_id) },
              );
              done = { text: t.text, transcribed: t.transcribed, provider: `${t.provider}:${t.model}` };
              this.#setPart("transcribe", part, done);
              log.info("audio chunk transcribed", { file: file.name, chunk: j, of: chunks.length });
            }
            texts.push(done.text);
            transcribedAll &&= done.transcribed;
            providers.add(done.provider);
          }
          sections.push(`### ${file.name}\n\n${texts.join(" ")}`);
        }
        const key = transcriptKey(job.id);
        await this.env.FILES.put(key, sections.join("\n\n"), {
          httpMetadata: { contentType: "text/markdown; charset=utf-8" },
        });
        return { output: { key, transcribed: transcribedAll }, provider: [...providers].join(",") };
      }
      case "extract": {
        const gathered = await this.#output<Gathered>("gather");
        if (gathered.documents.length === 0) return { skipped: true, output: { skipped: "no documents" } };
        const sections: string[] = [];
        for (const [i, file] of gathered.documents.entries()) {
          let text = this.#part<string>("extract", String(i));
          if (text === null) {
            const object = await this.env.FILES.get(file.key);
            if (!object) throw new PermanentStepError(`The document "${file.name}" is missing from storage.`);
            try {
              text = await extractDocumentText({
                bytes: new Uint8Array(await object.arrayBuffer()),
                contentType: file.contentType,
                name: file.name,
              });
            } catch (cause) {
              if (cause instanceof UnsupportedDocumentError) throw new PermanentStepError(cause.message, cause);
              throw cause;
            }
            this.#setPart("extract", String(i), text);
          }
          sections.push(`### ${file.name}\n\n${text}`);
        }
        const key = documentsKey(job.id);
        await this.env.FILES.put(key, sections.join("\n\n"), {
          httpMetadata: { contentType: "text/markdown; charset=utf-8" },
        });
        return { output: { key } };
      }
      case "analyse": {
        const gathered = await this.#output<Gathered>("gather");
        const parts = [gathered.text];
        for (const extra of await this.#workTexts()) parts.push(extra);
        const text = truncate(parts.filter(Boolean).join("\n\n"), MAX_ANALYSIS_CHARS);
        const analysis = await this.#chain().analyse(
          { submissionId: job.id, text },
          { signal: call.signal, onCall: call.onCall, traceparent: traceparentFor(job.correlation_id) },
        );
        return { output: analysis, provider: `${analysis.provider}:${analysis.model}` };
      }
      case "compose": {
        const steps = stepsOf(job.workflow);
        let markdown: string;
        let summary: string;
        let provider: string;
        let model: string;
        const transcript = await this.#workText("transcribe");
        if (steps.includes("analyse")) {
          const analysis = await this.#output<Analysis>("analyse");
          markdown = analysis.markdown.trimEnd();
          if (transcript) markdown += `\n\n## Transcript\n\n${transcript}`;
          summary = analysis.summary;
          provider = analysis.provider;
          model = analysis.model;
        } else {
          markdown = `# Transcript\n\n${transcript ?? "_The request carried no audio._"}`;
          summary = truncate((transcript ?? "").replace(/^#.*$/gm, "").replace(/\s+/g, " ").trim(), 500);
          const used = this.#steps().find((s) => s.name === "transcribe")?.provider ?? "none";
          [provider, model] = [used.split(":")[0] ?? "none", used.split(":").slice(1).join(":") || "none"];
        }
        const key = resultKey(job.id);
        await this.env.FILES.put(key, `${markdown}\n`, {
          httpMetadata: { contentType: "text/markdown; charset=utf-8" },
          customMetadata: { submissionId: job.id, provider, model },
        });
        await db(this.env.DB)
          .update(submissions)
          .set({ resultKey: key, summary, aiProvider: provider, updatedAt: Date.now() })
          .where(eq(submissions.id, job.id));
        return { output: { key } };
      }
      case "review": {
        if (job.review_decision !== "approve") throw new PermanentStepError("The result was rejected in review.");
        return { output: { decision: job.review_decision, at: job.reviewed_at } };
      }
      case "notify": {
        // Every channel the owner chose: the email at once (this step's outcome), the rest queued.
        const deliveries = await notifyEvent(this.env, {
          event: "submission.completed",
          subject: { kind: "submission", submissionId: job.id },
          correlationId: job.correlation_id,
          log,
          inlineEmail: true,
        });
        return { output: { deliveries } };
      }
    }
  }

  /** Transcript and document texts gathered by earlier steps, for the model. */
  async #workTexts(): Promise<string[]> {
    const texts: string[] = [];
    const transcript = await this.#workText("transcribe");
    if (transcript) texts.push(`## Transcript of the audio\n\n${transcript}`);
    const documents = await this.#workText("extract");
    if (documents) texts.push(`## Documents\n\n${documents}`);
    return texts;
  }

  async #workText(step: "transcribe" | "extract"): Promise<string | null> {
    const row = this.#steps().find((s) => s.name === step);
    if (row?.status !== "done" || !row.output) return null;
    const { key } = (await this.#resolve(row.output)) as { key?: string };
    if (!key) return null;
    const object = await this.env.FILES.get(key);
    return object ? (await object.text()).trim() : null;
  }

  #chain(): ProviderChain {
    try {
      return new ProviderChain(this.env);
    } catch (cause) {
      throw new PermanentStepError("The AI provider is not configured correctly.", cause);
    }
  }

  /** Every provider call of a step, for accounting; a failure to record never fails the step. */
  async #recordUsage(submissionId: string, step: StepName, calls: CallRecord[], log: Logger): Promise<void> {
    if (calls.length === 0) return;
    try {
      await db(this.env.DB)
        .insert(aiUsage)
        .values(
          calls.map((c) => ({
            submissionId,
            step,
            operation: c.operation,
            provider: c.provider,
            model: c.model,
            inputTokens: c.usage.inputTokens ?? null,
            outputTokens: c.usage.outputTokens ?? null,
            audioSeconds: c.usage.audioSeconds === undefined ? null : Math.round(c.usage.audioSeconds),
            latencyMs: c.latencyMs,
            ok: c.ok,
            error: c.error,
            createdAt: Date.now(),
          })),
        );
    } catch (error) {
      log.warn("could not record AI usage", { step, error });
    }
  }

  /**
   * Tells the reviewers a result waits for them: every admin gets an email with the portal
   * link (and the signed one-click links when `SIGNING_KEY` is set). A mail failure is
   * logged, not retried: the request stays visible in the portal's review list.
   */
  async #requestReview(job: JobRow, log: Logger): Promise<void> {
    const key = this.env.SIGNING_KEY;
    const links = key ? await reviewLinks(key, this.env.PUBLIC_BASE_URL, job.id) : null;
    try {
      await mailReviewers(this.env, job.id, links, log);
    } catch (error) {
      log.error("could not mail the reviewers", { error });
    }
    await this.#tellOwner(job.id, "submission.needs_review", job.correlation_id);
  }

  /**
   * Once failed or cancelled, the submitter is told through the notifications queue, once:
   * the notice is marked queued before the send, so a concurrent caller (cancel racing the
   * loop) does not queue a second one, and unmarked if the send fails.
   */
  async #afterTerminal(job: JobRow, log: Logger): Promise<void> {
    await this.#sync();
    await this.#announce(job, log);
    const event: NotificationEvent | null =
      job.status === "failed" ? "submission.failed" : job.status === "cancelled" ? "submission.cancelled" : null;
    if (!event || this.#job()?.failure_notice_at != null) return;
    this.#setJob({ failure_notice_at: Date.now() });
    const message: NotificationMessage = {
      kind: "notify",
      event,
      submissionId: job.id,
      correlationId: job.correlation_id,
    };
    try {
      await this.env.NOTIFICATIONS.send(message);
    } catch (error) {
      this.#setJob({ failure_notice_at: null });
      throw error;
    }
    log.info("terminal notice queued", { event });
  }

  /**
   * Tells the owner's webhook endpoints about each final state, once per state: a retried job
   * that completes after failing announces both. Marked before the send (so a racing caller
   * does not announce twice) and unmarked if it fails, so the next alarm tries again.
   */
  async #announce(job: JobRow, log: Logger): Promise<void> {
    const status = job.status;
    if (status !== "completed" && status !== "failed" && status !== "cancelled") return;
    if (this.#job()?.announced_status === status) return;
    const previous = this.#job()?.announced_status ?? null;
    this.#setJob({ announced_status: status });
    try {
      await announceTerminal(this.env, job.id, status, log);
    } catch (error) {
      this.#setJob({ announced_status: previous });
      throw error;
    }
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
   * Writes the job's status and its steps (or just `only`) to D1 in one batch (idempotent),
   * then pushes the new state to every watcher.
   */
  async #sync(only?: StepName): Promise<void> {
    const job = this.#job();
    if (!job) return;
    const d = db(this.env.DB);
    const steps = this.#steps().filter((s) => only === undefined || s.name === only);
    await d.batch([
      d
        .update(submissions)
        .set({ status: job.status, error: job.error, updatedAt: Date.now(), completedAt: job.completed_at })
        .where(eq(submissions.id, job.id)),
      ...steps.map((s) =>
        d
          .update(submissionSteps)
          .set({
            status: s.status,
            attempts: s.attempts,
            provider: s.provider,
            error: s.error,
            startedAt: s.started_at,
            finishedAt: s.finished_at,
          })
          .where(and(eq(submissionSteps.submissionId, job.id), eq(submissionSteps.name, s.name))),
      ),
    ]);
    this.#broadcast();
  }

  #broadcast(): void {
    const snapshot = this.snapshot();
    if (!snapshot) return;
    const terminal = isTerminal(snapshot.status);
    const json = JSON.stringify(snapshot);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(json);
        if (terminal) ws.close(1000, snapshot.status);
      } catch {
        // A watcher that went away; the runtime drops it.
      }
    }
    for (const writer of this.#streams) {
      this.#push(writer, sseEvent(snapshot));
      if (terminal) this.#closeStream(writer);
    }
  }

  /** Never awaited: a slow reader must not hold up the job. */
  #push(writer: WritableStreamDefaultWriter<Uint8Array>, text: string): void {
    writer.write(new TextEncoder().encode(text)).catch(() => this.#streams.delete(writer));
  }

  #closeStream(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.#streams.delete(writer);
    writer.close().catch(() => undefined);
  }

  /** Creates the job from its D1 row on first contact (start, cancel, retry or a watcher). */
  async #ensureJob(submissionId: string, correlationId?: string): Promise<JobRow | null> {
    const existing = this.#job();
    if (existing) return existing;
    if (!submissionId) return null;
    const [row] = await db(this.env.DB).select().from(submissions).where(eq(submissions.id, submissionId)).limit(1);
    if (!row) return null;
    // Re-check after the await: a concurrent call may have created the job meanwhile.
    const again = this.#job();
    if (again) return again;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        `INSERT INTO job (id, status, workflow, email, input_key, correlation_id, error, created_at, updated_at, deadline_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        // A D1 `running` without a job here cannot be ours yet; the run slot check sorts it out.
        isTerminal(row.status) ? row.status : "queued",
        row.workflow,
        row.email,
        row.inputKey,
        correlationId ?? row.correlationId,
        isTerminal(row.status) ? row.error : null,
        now,
        now,
        now + this.#jobDeadlineMs(),
      );
      stepsOf(row.workflow).forEach((name, position) => {
        this.#sql.exec(
          "INSERT INTO steps (name, position, status, attempts) VALUES (?, ?, 'pending', 0)",
          name,
          position,
        );
      });
    });
    if (!isTerminal(row.status))
      await this.#tellOwner(row.id, "submission.received", correlationId ?? row.correlationId);
    return this.#job();
  }

  /**
   * Queues a courtesy event for the owner's channels (received, waiting for review). The
   * fan-out is idempotent per event; a failed send is logged, never fails the job.
   */
  async #tellOwner(
    submissionId: string,
    event: "submission.received" | "submission.needs_review",
    correlationId: string,
  ) {
    const message: NotificationMessage = { kind: "notify", event, submissionId, correlationId };
    try {
      await this.env.NOTIFICATIONS.send(message);
    } catch (error) {
      createLogger({ correlationId, submissionId, component: "job" }).warn("could not queue owner notice", {
        event,
        error,
      });
    }
  }

  #failJob(error: string, stepName?: StepName, stepError?: string): void {
    this.ctx.storage.transactionSync(() => {
      if (stepName) {
        this.#setStep(stepName, { status: "failed", error: stepError ?? error, finished_at: Date.now() });
      }
      this.#sql.exec("UPDATE steps SET status = 'skipped' WHERE status IN ('pending', 'running')");
      this.#setJob({ status: "failed", error, completed_at: Date.now() });
    });
  }

  #migrate(): void {
    this.#sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    const row = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
    const version = row ? Number(row.value) : 0;
    if (version < 1) {
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS job (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, email TEXT NOT NULL, input_key TEXT NOT NULL,
        correlation_id TEXT NOT NULL, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        completed_at INTEGER, failure_notice_at INTEGER)`);
      this.#sql.exec(`CREATE TABLE IF NOT EXISTS steps (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
        provider TEXT, error TEXT, started_at INTEGER, finished_at INTEGER, next_attempt_at INTEGER, output TEXT)`);
    }
    if (version < 2) {
      // Workflows as data, retry from the failed step, per-step deadlines, memoized sub-steps.
      this.#sql.exec("ALTER TABLE job ADD COLUMN workflow TEXT NOT NULL DEFAULT 'analyse'");
      this.#sql.exec("ALTER TABLE job ADD COLUMN deadline_at INTEGER");
      this.#sql.exec("ALTER TABLE steps ADD COLUMN attempt_floor INTEGER NOT NULL DEFAULT 0");
      this.#sql.exec("ALTER TABLE steps ADD COLUMN deadline_at INTEGER");
      this.#sql.exec(
        "CREATE TABLE IF NOT EXISTS parts (step TEXT NOT NULL, part TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (step, part))",
      );
    }
    if (version < 3) {
      // Human review pause.
      this.#sql.exec("ALTER TABLE job ADD COLUMN review_requested_at INTEGER");
      this.#sql.exec("ALTER TABLE job ADD COLUMN review_decision TEXT");
      this.#sql.exec("ALTER TABLE job ADD COLUMN reviewed_at INTEGER");
    }
    if (version < 4) {
      // The last final state announced to webhooks.
      this.#sql.exec("ALTER TABLE job ADD COLUMN announced_status TEXT");
    }
    if (version !== SCHEMA_VERSION) {
      this.#sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", String(SCHEMA_VERSION));
    }
  }

  #job(): JobRow | null {
    return (this.#sql.exec<JobRow>("SELECT * FROM job LIMIT 1").toArray()[0] as JobRow | undefined) ?? null;
  }

  #steps(): StepRow[] {
    return this.#sql.exec<StepRow>("SELECT * FROM steps ORDER BY position").toArray() as StepRow[];
  }

  async #output<T>(name: StepName): Promise<T> {
    const row = this.#sql.exec<{ output: string | null }>("SELECT output FROM steps WHERE name = ?", name).toArray()[0];
    if (!row?.output) throw new PermanentStepError(`The ${name} step has no stored output.`);
    return (await this.#resolve(row.output)) as T;
  }

  /** A stored output: inline JSON, or `{"$r2": key}` for one too large to keep here. */
  async #resolve(stored: string): Promise<unknown> {
    const value = JSON.parse(stored) as unknown;
    if (typeof value === "object" && value !== null && "$r2" in value && typeof value.$r2 === "string") {
      const object = await this.env.FILES.get(value.$r2);
      if (!object) throw new PermanentStepError("A stored step output is missing.");
      return object.json();
    }
    return value;
  }

  async #storeOutput(id: string, step: StepName, output: unknown): Promise<string> {
    const json = JSON.stringify(output);
    if (json.length <= INLINE_OUTPUT_MAX) return json;
    const key = stepOutputKey(id, step);
    await this.env.FILES.put(key, json, { httpMetadata: { contentType: "application/json" } });
    return JSON.stringify({ $r2: key });
  }

  #part<T>(step: StepName, part: string): T | null {
    const row = this.#sql
      .exec<{ output: string }>("SELECT output FROM parts WHERE step = ? AND part = ?", step, part)
      .toArray()[0];
    return row ? (JSON.parse(row.output) as T) : null;
  }

  #setPart(step: StepName, part: string, output: unknown): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO parts (step, part, output) VALUES (?, ?, ?)",
      step,
      part,
      JSON.stringify(output),
    );
  }

  #setJob(fields: Partial<Omit<JobRow, "id">>): void {
    const entries = Object.entries({ ...fields, updated_at: Date.now() });
    this.#sql.exec(`UPDATE job SET ${entries.map(([k]) => `${k} = ?`).join(", ")}`, ...entries.map(([, v]) => v));
  }

  #setStep(name: StepName, fields: Partial<Omit<StepRow, "name" | "position">>): void {
    const entries = Object.entries(fields);
    this.#sql.exec(
      `UPDATE steps SET ${entries.map(([k]) => `${k} = ?`).join(", ")} WHERE name = ?`,
      ...entries.map(([, v]) => v),
      name,
    );
  }

  #log(job: JobRow): Logger {
    return createLogger({ correlationId: job.correlation_id, submissionId: job.id, component: "job" });
  }

  #jobDeadlineMs(): number {
    return Math.max(1_000, Number(this.env.JOB_DEADLINE_MS) || 30 * 60_000);
  }

  #maxRunningPerOwner(): number {
    return Math.max(1, Number(this.env.MAX_RUNNING_PER_OWNER) || 3);
  }
}

function sseEvent(snapshot: JobSnapshot): string {
  return `event: job\ndata: ${JSON.stringify(snapshot)}\n\n`;
}

function isRetryable(error: unknown): boolean {
  if (error instanceof PermanentStepError) return false;
  if (error instanceof ProviderError || error instanceof DeliveryError) return error.retryable;
  return true;
}

/** What a user may read about a failure: our own messages, never upstream bodies or stacks. */
function publicReason(error: unknown): string {
  if (
    error instanceof PermanentStepError ||
    error instanceof ProviderError ||
    error instanceof DeliveryError ||
    error instanceof StepTimeoutError
  ) {
    return error.message;
  }
  return "An internal error occurred.";
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoff(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
