import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row per AI provider call (successful or not), written by the job's Durable Object after
 * each call: what each request cost, by provider and model. Rows are never updated.
 */
export const aiUsage = sqliteTable(
  "ai_usage",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Not a foreign key: usage outlives a deleted submission for accounting. */
    submissionId: text("submission_id").notNull(),
    step: text("step").notNull(),
    operation: text("operation", { enum: ["analyse", "transcribe", "embed"] }).notNull(),
    provider: text("provider").notNull(),
    model: text("model"),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    audioSeconds: integer("audio_seconds"),
    latencyMs: integer("latency_ms").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    /** Public wording of a failed call. */
    error: text("error"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("ai_usage_submission_idx").on(t.submissionId),
    index("ai_usage_provider_created_idx").on(t.provider, t.createdAt),
  ],
);

export type AiUsageRow = typeof aiUsage.$inferSelect;
