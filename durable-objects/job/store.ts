/**
 * Reads and writes of the job's SQLite rows (`schema.ts`): the job, its steps, the memoized
 * parts of steps, and step outputs — inline JSON, or, past `INLINE_OUTPUT_MAX`, an R2 object
 * the row points to. The state changes that touch several rows (fail, cancel, reopen) are
 * one transaction each, so no reader ever sees half of one.
 */

import { isTerminal, type SubmissionRow } from "../../shared/db/schema";
import { PermanentStepError } from "../../shared/pipeline/errors";
import { type StepName, stepsFor } from "../../shared/pipeline/workflows";
import { stepOutputKey } from "../../shared/submissions/keys";
import type { JobRow, StepRow } from "./schema";

/** Step outputs larger than this go to R2; the step keeps the key. */
const INLINE_OUTPUT_MAX = 32 * 1024;

export class JobStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #files: R2Bucket;

  constructor(storage: DurableObjectStorage, files: R2Bucket) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#files = files;
  }

  /** The job, or null before its first contact. */
  job(): JobRow | null {
    return (this.#sql.exec<JobRow>("SELECT * FROM job LIMIT 1").toArray()[0] as JobRow | undefined) ?? null;
  }

  /** Every step, in workflow order. */
  steps(): StepRow[] {
    return this.#sql.exec<StepRow>("SELECT * FROM steps ORDER BY position").toArray() as StepRow[];
  }

  /** One step by name. */
  step(name: StepName): StepRow | undefined {
    return this.steps().find((s) => s.name === name);
  }

  /** The first step not finished (pending, or running when an attempt was cut short). */
  next(): StepRow | undefined {
    return this.steps().find((s) => s.status === "pending" || s.status === "running");
  }

  /**
   * Writes the job of a submission on first contact, with its workflow's steps all pending.
   * It starts `queued` unless D1 has it finished already: a D1 `running` without a job here
   * cannot be ours yet, and the run slot check sorts it out.
   */
  create(row: SubmissionRow, correlationId: string, deadlineAt: number): void {
    const now = Date.now();
    const terminal = isTerminal(row.status);
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        `INSERT INTO job (id, status, workflow, email, input_key, correlation_id, error, created_at, updated_at, deadline_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.id,
        terminal ? row.status : "queued",
        row.workflow,
        row.email,
        row.inputKey,
        correlationId,
        terminal ? row.error : null,
        now,
        now,
        deadlineAt,
      );
      stepsFor(row.workflow, row.reviewPolicy).forEach((name, position) => {
        this.#sql.exec(
          "INSERT INTO steps (name, position, status, attempts) VALUES (?, ?, 'pending', 0)",
          name,
          position,
        );
      });
    });
  }

  /** Updates columns of the job row (and its `updated_at`). */
  setJob(fields: Partial<Omit<JobRow, "id">>): void {
    const entries = Object.entries({ ...fields, updated_at: Date.now() });
    this.#sql.exec(`UPDATE job SET ${entries.map(([k]) => `${k} = ?`).join(", ")}`, ...entries.map(([, v]) => v));
  }

  /** Updates columns of one step row. */
  setStep(name: StepName, fields: Partial<Omit<StepRow, "name" | "position">>): void {
    const entries = Object.entries(fields);
    this.#sql.exec(
      `UPDATE steps SET ${entries.map(([k]) => `${k} = ?`).join(", ")} WHERE name = ?`,
      ...entries.map(([, v]) => v),
      name,
    );
  }

  /** Fails the job (and `stepName`, when a step failed it); the steps not run are skipped. */
  fail(error: string, stepName?: StepName, stepError?: string): void {
    this.#storage.transactionSync(() => {
      if (stepName) this.setStep(stepName, { status: "failed", error: stepError ?? error, finished_at: Date.now() });
      this.#sql.exec("UPDATE steps SET status = 'skipped' WHERE status IN ('pending', 'running')");
      this.setJob({ status: "failed", error, completed_at: Date.now() });
    });
  }

  /** Cancels the job: the running step and every pending one end skipped. */
  cancel(): void {
    const now = Date.now();
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        "UPDATE steps SET status = 'skipped', error = 'Cancelled while running.', finished_at = ? WHERE status = 'running'",
        now,
      );
      this.#sql.exec("UPDATE steps SET status = 'skipped' WHERE status = 'pending'");
      this.setJob({ status: "cancelled", error: "Cancelled at the submitter's request.", completed_at: now });
    });
  }

  /**
   * Opens a failed job again: the failed step, and the skipped ones that never ran, are
   * pending with a fresh retry budget; finished steps keep their outputs.
   */
  reopen(fields: Partial<Omit<JobRow, "id">>): void {
    this.#storage.transactionSync(() => {
      this.#sql.exec(
        `UPDATE steps SET status = 'pending', attempt_floor = attempts, error = NULL, next_attempt_at = NULL,
           finished_at = NULL, deadline_at = NULL
         WHERE status = 'failed' OR (status = 'skipped' AND output IS NULL)`,
      );
      this.setJob({ status: "queued", error: null, completed_at: null, failure_notice_at: null, ...fields });
    });
  }

  /** A finished step's output; a step without one fails the step asking for it for good. */
  async output<T>(name: StepName): Promise<T> {
    const row = this.#sql.exec<{ output: string | null }>("SELECT output FROM steps WHERE name = ?", name).toArray()[0];
    if (!row?.output) throw new PermanentStepError(`The ${name} step has no stored output.`);
    return (await this.resolve(row.output)) as T;
  }

  /** A stored output: inline JSON, or `{"$r2": key}` for one too large to keep here. */
  async resolve(stored: string): Promise<unknown> {
    const value = JSON.parse(stored) as unknown;
    if (typeof value === "object" && value !== null && "$r2" in value && typeof value.$r2 === "string") {
      const object = await this.#files.get(value.$r2);
      if (!object) throw new PermanentStepError("A stored step output is missing.");
      return object.json();
    }
    return value;
  }

  /** The stored form of a step's output (see `resolve`), spilling a large one to R2. */
  async storeOutput(id: string, step: StepName, output: unknown): Promise<string> {
    const json = JSON.stringify(output);
    if (json.length <= INLINE_OUTPUT_MAX) return json;
    const key = stepOutputKey(id, step);
    await this.#files.put(key, json, { httpMetadata: { contentType: "application/json" } });
    return JSON.stringify({ $r2: key });
  }

  /** A memoized part of a step, or null when it is not done. */
  part<T>(step: StepName, part: string): T | null {
    const row = this.#sql
      .exec<{ output: string }>("SELECT output FROM parts WHERE step = ? AND part = ?", step, part)
      .toArray()[0];
    return row ? (JSON.parse(row.output) as T) : null;
  }

  /** Memoizes a part of a step. */
  setPart(step: StepName, part: string, output: unknown): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO parts (step, part, output) VALUES (?, ?, ?)",
      step,
      part,
      JSON.stringify(output),
    );
  }
}
