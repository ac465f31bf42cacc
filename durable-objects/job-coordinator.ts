import { DurableObject } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { type Analysis, createProvider, ProviderError } from "../shared/ai";
import { type StepStatus, type SubmissionStatus, submissionSteps, submissions } from "../shared/db/schema";
import { createLogger, type Logger } from "../shared/log";
import { type JobMessage, type NotificationMessage, PIPELINE_STEPS, type StepName } from "../shared/messages";
import { announceTerminal } from "../workers/api/submissions/events";
import { db } from "../workers/api/submissions/repo";
import { resultKey, type StoredInput } from "../workers/api/submissions/service";
import { DeliveryError, deliverSubmissionEmail } from "../workers/notifications/deliver";

const SCHEMA_VERSION = 1;
const MAX_BACKOFF_MS = 5 * 60_000;

/** A step failure no retry can fix (bad input, refused content, missing data). */
export class PermanentStepError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "PermanentStepError";
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
  error: string | null;
  steps: StepSnapshot[];
}

type JobRow = {
  id: string;
  status: SubmissionStatus;
  email: string;
  input_key: string;
  correlation_id: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  failure_notice_at: number | null;
};

type StepRow = {
  name: StepName;
  position: number;
  status: StepStatus;
  attempts: number;
  provider: string | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  next_attempt_at: number | null;
  output: string | null;
};

const TERMINAL: ReadonlySet<SubmissionStatus> = new Set(["completed", "failed", "cancelled"]);

/**
 * The job of one submission (named by its id). Runs the pipeline steps in order from its
 * alarm, persisting every step change in its SQLite storage before and after the step, so a
 * step that finished never runs again and a restart resumes at the first unfinished step.
 * Every change is mirrored to D1, so lists and status reads never wake the object.
 */
export class JobCoordinator extends DurableObject<Env> {
  readonly #sql: SqlStorage;

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
    let job = this.#job();
    if (!job) {
      const [row] = await db(this.env.DB)
        .select()
        .from(submissions)
        .where(eq(submissions.id, message.submissionId))
        .limit(1);
      if (!row) return null;
      // Re-check after the await: a concurrent start may have created the job meanwhile.
      job = this.#job();
      if (!job) {
        const now = Date.now();
        this.ctx.storage.transactionSync(() => {
          this.#sql.exec(
            `INSERT INTO job (id, status, email, input_key, correlation_id, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
            row.id,
            row.status === "queued" ? "queued" : row.status,
            row.email,
            row.inputKey,
            message.correlationId,
            now,
            now,
          );
          PIPELINE_STEPS.forEach((name, position) => {
            this.#sql.exec(
              "INSERT INTO steps (name, position, status, attempts) VALUES (?, ?, 'pending', 0)",
              name,
              position,
            );
          });
        });
        job = this.#job();
      }
    }
    if (job && !TERMINAL.has(job.status) && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now());
    }
    return this.snapshot();
  }

  /** The job's state as stored here (null before `start`). */
  snapshot(): JobSnapshot | null {
    const job = this.#job();
    if (!job) return null;
    return {
      submissionId: job.id,
      status: job.status,
      error: job.error,
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
   * Forgets the job entirely (account deletion): no alarm left, no storage left. A later
   * message for the same id finds no D1 row and does nothing.
   */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const job = this.#job();
    if (!job) return;
    const log = createLogger({ correlationId: job.correlation_id, submissionId: job.id, component: "job" });
    await this.#run(log);
  }

  /** Runs steps until the job finishes or a step must wait for a retry. */
  async #run(log: Logger): Promise<void> {
    for (;;) {
      const job = this.#job();
      if (!job) return;
      if (TERMINAL.has(job.status)) {
        await this.#afterTerminal(job, log);
        return;
      }
      const step = this.#steps().find((s) => s.status === "pending" || s.status === "running");
      if (!step) {
        this.#setJob({ status: "completed", completed_at: Date.now(), error: null });
        await this.#syncToD1();
        log.info("job completed");
        await announceTerminal(this.env, job.id, "completed", log).catch((error: unknown) =>
          log.error("could not announce completion", { error }),
        );
        return;
      }
      if (step.next_attempt_at !== null && step.next_attempt_at > Date.now()) {
        await this.ctx.storage.setAlarm(step.next_attempt_at);
        return;
      }
      const startedAt = Date.now();
      this.#setStep(step.name, {
        status: "running",
        attempts: step.attempts + 1,
        started_at: startedAt,
        finished_at: null,
        next_attempt_at: null,
      });
      if (job.status === "queued") this.#setJob({ status: "running" });
      await this.#syncToD1();
      log.info("step started", { step: step.name, attempt: step.attempts + 1 });

      try {
        const { output, provider } = await this.#execute(step.name, job, log);
        this.#setStep(step.name, {
          status: "done",
          finished_at: Date.now(),
          error: null,
          provider: provider ?? null,
          output: output === undefined ? null : JSON.stringify(output),
        });
        log.info("step done", { step: step.name, durationMs: Date.now() - startedAt });
      } catch (error) {
        const attempts = step.attempts + 1;
        const retryable = isRetryable(error);
        const reason = publicReason(error);
        if (retryable && attempts < this.#maxAttempts()) {
          const delay = backoff(attempts, this.#retryBaseMs());
          this.#setStep(step.name, { status: "pending", error: reason, next_attempt_at: Date.now() + delay });
          await this.#syncToD1();
          log.warn("step failed; will retry", { step: step.name, attempt: attempts, delayMs: delay, error });
          await this.ctx.storage.setAlarm(Date.now() + delay);
          return;
        }
        this.ctx.storage.transactionSync(() => {
          this.#setStep(step.name, { status: "failed", error: reason, finished_at: Date.now() });
          this.#sql.exec("UPDATE steps SET status = 'skipped' WHERE status = 'pending'");
          this.#setJob({
            status: "failed",
            error: `The ${step.name} step failed${retryable ? ` after ${attempts} attempts` : ""}: ${reason}`,
            completed_at: Date.now(),
          });
        });
        log.error("job failed", { step: step.name, attempt: attempts, retryable, error });
      }
      await this.#syncToD1();
    }
  }

  async #execute(name: StepName, job: JobRow, log: Logger): Promise<{ output?: unknown; provider?: string }> {
    switch (name) {
      case "analyse": {
        const object = await this.env.FILES.get(job.input_key);
        if (!object) throw new PermanentStepError("The request's input is missing from storage.");
        const input = (await object.json()) as StoredInput;
        let provider: ReturnType<typeof createProvider>;
        try {
          provider = createProvider(this.env);
        } catch (cause) {
          throw new PermanentStepError("The AI provider is not configured correctly.", cause);
        }
        const analysis = await provider.analyse(
          { submissionId: job.id, text: input.text },
          { signal: AbortSignal.timeout(Number(this.env.PROVIDER_TIMEOUT_MS) || 60_000) },
        );
        return { output: analysis, provider: `${analysis.provider}:${analysis.model}` };
      }
      case "store": {
        const analysis = this.#output<Analysis>("analyse");
        const key = resultKey(job.id);
        await this.env.FILES.put(key, analysis.markdown, {
          httpMetadata: { contentType: "text/markdown; charset=utf-8" },
          customMetadata: { submissionId: job.id, provider: analysis.provider, model: analysis.model },
        });
        await db(this.env.DB)
          .update(submissions)
          .set({ resultKey: key, summary: analysis.summary, aiProvider: analysis.provider, updatedAt: Date.now() })
          .where(eq(submissions.id, job.id));
        return { output: { key } };
      }
      case "notify": {
        const outcome = await deliverSubmissionEmail(this.env, {
          submissionId: job.id,
          event: "submission.completed",
          correlationId: job.correlation_id,
          log,
        });
        return { output: { notificationId: outcome.notification.id, status: outcome.status } };
      }
    }
  }

  /** Once failed, the submitter is told through the notifications queue (once). */
  async #afterTerminal(job: JobRow, log: Logger): Promise<void> {
    await this.#syncToD1();
    if (job.status !== "failed" || job.failure_notice_at !== null) return;
    const message: NotificationMessage = {
      kind: "notify",
      event: "submission.failed",
      submissionId: job.id,
      correlationId: job.correlation_id,
    };
    await this.env.NOTIFICATIONS.send(message);
    this.#setJob({ failure_notice_at: Date.now() });
    log.info("failure notice queued");
    await announceTerminal(this.env, job.id, "failed", log).catch((error: unknown) =>
      log.error("could not announce failure", { error }),
    );
  }

  /** Writes the job's status and every step to D1 in one batch (idempotent). */
  async #syncToD1(): Promise<void> {
    const job = this.#job();
    if (!job) return;
    const d = db(this.env.DB);
    const steps = this.#steps();
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

  #output<T>(name: StepName): T {
    const row = this.#sql.exec<{ output: string | null }>("SELECT output FROM steps WHERE name = ?", name).toArray()[0];
    if (!row?.output) throw new PermanentStepError(`The ${name} step has no stored output.`);
    return JSON.parse(row.output) as T;
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

  #maxAttempts(): number {
    return Math.max(1, Number(this.env.STEP_MAX_ATTEMPTS) || 4);
  }

  #retryBaseMs(): number {
    return Math.max(0, Number(this.env.STEP_RETRY_BASE_MS) || 2000);
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof PermanentStepError) return false;
  if (error instanceof ProviderError || error instanceof DeliveryError) return error.retryable;
  return true;
}

/** What a user may read about a failure: our own messages, never upstream bodies or stacks. */
function publicReason(error: unknown): string {
  if (error instanceof PermanentStepError || error instanceof ProviderError || error instanceof DeliveryError) {
    return error.message;
  }
  return "An internal error occurred.";
}

/** Exponential backoff with "equal jitter": half fixed, half random, capped. */
export function backoff(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
