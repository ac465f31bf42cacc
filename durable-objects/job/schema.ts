/**
 * The job's own SQLite storage, as it is on disk: the `job` row, one `steps` row per step of
 * its workflow, memoized `parts` of steps, and the migrations that bring an older object's
 * tables up to `SCHEMA_VERSION`. Row types name the columns exactly.
 */
import type { StepStatus, SubmissionStatus } from "../../shared/db/schema";
import type { StepName } from "../../shared/pipeline/workflows";
import type { JobDecision } from "../../shared/review";

const SCHEMA_VERSION = 4;

export type JobRow = {
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
  /** When the terminal notice (failed or cancelled) was sent; at most once per run. */
  failure_notice_at: number | null;
  /** The last final state announced to webhook endpoints. */
  announced_status: string | null;
  review_requested_at: number | null;
  review_decision: JobDecision | null;
  reviewed_at: number | null;
};

export type StepRow = {
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

/** Creates the tables, or brings an older object's up to the current version. */
export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0];
  const version = row ? Number(row.value) : 0;
  if (version < 1) {
    sql.exec(`CREATE TABLE IF NOT EXISTS job (
      id TEXT PRIMARY KEY, status TEXT NOT NULL, email TEXT NOT NULL, input_key TEXT NOT NULL,
      correlation_id TEXT NOT NULL, error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      completed_at INTEGER, failure_notice_at INTEGER)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS steps (
      name TEXT PRIMARY KEY, position INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
      provider TEXT, error TEXT, started_at INTEGER, finished_at INTEGER, next_attempt_at INTEGER, output TEXT)`);
  }
  if (version < 2) {
    // Workflows as data, retry from the failed step, per-step deadlines, memoized sub-steps.
    sql.exec("ALTER TABLE job ADD COLUMN workflow TEXT NOT NULL DEFAULT 'analyse'");
    sql.exec("ALTER TABLE job ADD COLUMN deadline_at INTEGER");
    sql.exec("ALTER TABLE steps ADD COLUMN attempt_floor INTEGER NOT NULL DEFAULT 0");
    sql.exec("ALTER TABLE steps ADD COLUMN deadline_at INTEGER");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS parts (step TEXT NOT NULL, part TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (step, part))",
    );
  }
  if (version < 3) {
    // Human review pause.
    sql.exec("ALTER TABLE job ADD COLUMN review_requested_at INTEGER");
    sql.exec("ALTER TABLE job ADD COLUMN review_decision TEXT");
    sql.exec("ALTER TABLE job ADD COLUMN reviewed_at INTEGER");
  }
  if (version < 4) {
    // The last final state announced to webhooks.
    sql.exec("ALTER TABLE job ADD COLUMN announced_status TEXT");
  }
  if (version !== SCHEMA_VERSION) {
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", String(SCHEMA_VERSION));
  }
}
