/** Submissions and their step timelines: the D1 side of every request. */
import { type AnySQLiteColumn, index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

/** Lifecycle of a submission; the last three are terminal. */
export const SUBMISSION_STATUSES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** The final states: a submission in one of them never changes again (short of a retry). */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled"] as const satisfies readonly SubmissionStatus[];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];
const terminal: ReadonlySet<SubmissionStatus> = new Set(TERMINAL_STATUSES);
/** Whether `status` is final. */
export const isTerminal = (status: SubmissionStatus): status is TerminalStatus => terminal.has(status);

/** Lifecycle of one pipeline step. */
export const STEP_STATUSES = ["pending", "running", "done", "failed", "skipped"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * One row per accepted request. Written in one D1 batch with its steps at intake; afterwards
 * only the job's Durable Object changes it (status, summary, result key, error).
 */
export const submissions = sqliteTable(
  "submissions",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: SUBMISSION_STATUSES }).notNull(),
    source: text("source", { enum: ["api", "portal", "email"] }).notNull(),
    /** The owner. Null only for submissions made before accounts existed. */
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    /** Where the result is emailed (the owner's address at submission time). */
    email: text("email").notNull(),
    textChars: integer("text_chars").notNull(),
    /**
     * The first characters of the request text (whitespace collapsed), so admins can find a
     * request by its words (`submissions_search`, FTS5) without reading R2. Goes with the row.
     */
    excerpt: text("excerpt"),
    /** R2 key of the raw input (`inputs/<id>.json`). */
    inputKey: text("input_key").notNull(),
    /** R2 key of the result markdown (`results/<id>.md`), once stored. */
    resultKey: text("result_key"),
    summary: text("summary"),
    /**
     * The site passages the result cites, as a JSON array of `Source` (`shared/retrieval/types.ts`),
     * written with the result; null before it, or for results composed before sources existed.
     */
    sources: text("sources"),
    /** Public reason for a `failed` status; never a stack trace or an upstream body. */
    error: text("error"),
    aiProvider: text("ai_provider"),
    /** The workflow (named step list, `shared/pipeline/workflows.ts`) the job runs. */
    workflow: text("workflow").notNull().default("analyse"),
    correlationId: text("correlation_id").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
    /**
     * 1 when the user asked to keep this submission: the retention sweep never removes a pinned
     * submission or its R2 objects. An integer, not a boolean mode, so the SQL stays plain.
     */
    pinned: integer("pinned").notNull().default(0),
    /** Where the request stands on the staff desk (`shared/db/desk.ts`). */
    deskStatus: text("desk_status", { enum: ["new", "open", "waiting", "resolved"] })
      .notNull()
      .default("new"),
    /** The member of staff it is assigned to; null: nobody. */
    assigneeId: text("assignee_id").references((): AnySQLiteColumn => users.id, { onDelete: "set null" }),
    /** When the customer last wrote (the request itself, then each message): the inbox's "waiting since". */
    lastCustomerAt: integer("last_customer_at"),
    /** When anyone last wrote in its thread. */
    lastMessageAt: integer("last_message_at"),
    /** `auto` or `review` (`REVIEW_POLICIES`): whether the result waits for staff as a draft. */
    reviewPolicy: text("review_policy", { enum: ["auto", "review"] })
      .notNull()
      .default("auto"),
  },
  (t) => [
    index("submissions_status_created_idx").on(t.status, t.createdAt),
    index("submissions_email_idx").on(t.email),
    index("submissions_user_created_idx").on(t.userId, t.createdAt),
    // The per-owner concurrency limit counts an owner's running jobs.
    index("submissions_email_status_idx").on(t.email, t.status),
    // The admin dashboard counts finished jobs per hour.
    index("submissions_completed_idx").on(t.completedAt),
    // The desk's inbox: by status, the longest-waiting customer first; and "assigned to me".
    index("submissions_desk_idx").on(t.deskStatus, t.lastCustomerAt),
    index("submissions_assignee_idx").on(t.assigneeId, t.deskStatus),
  ],
);

/** The step timeline of each submission, mirrored from its Durable Object on every change. */
export const submissionSteps = sqliteTable(
  "submission_steps",
  {
    submissionId: text("submission_id")
      .notNull()
      .references(() => submissions.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    position: integer("position").notNull(),
    status: text("status", { enum: STEP_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    provider: text("provider"),
    error: text("error"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    primaryKey({ columns: [t.submissionId, t.name] }),
    // The admin dashboard's step-duration percentiles read a time range.
    index("submission_steps_finished_idx").on(t.finishedAt),
  ],
);

export type SubmissionRow = typeof submissions.$inferSelect;
export type SubmissionStepRow = typeof submissionSteps.$inferSelect;
