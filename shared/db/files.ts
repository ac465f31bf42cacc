import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { submissions } from "./submissions";

/**
 * One row per file sent with a submission (API multipart upload, portal, email attachment).
 * The bytes live in R2 at `key` = `files/<submissionId>/<id>`; the row is written in the same
 * D1 batch as its submission, so a file row never exists without an accepted submission.
 */
export const submissionFiles = sqliteTable(
  "submission_files",
  {
    /** `fil_` + ULID; the last segment of the R2 key and of the download URL. */
    id: text("id").primaryKey(),
    submissionId: text("submission_id")
      .notNull()
      .references(() => submissions.id, { onDelete: "cascade" }),
    /** Position among the submission's files, in the order they were sent. */
    position: integer("position").notNull(),
    /** Safe display name: no path, no control characters, at most 200 characters. */
    name: text("name").notNull(),
    /** Canonical media type, checked against the file's magic bytes at intake. */
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    /** Lowercase hex SHA-256 of the bytes; also the download's ETag. */
    sha256: text("sha256").notNull(),
    key: text("key").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("submission_files_submission_idx").on(t.submissionId, t.position)],
);

export type SubmissionFileRow = typeof submissionFiles.$inferSelect;
