/**
 * Rows written straight into the local D1 for the tests of query functions (test/repos/):
 * accounts, submissions and delivery-log rows in exactly the state a test names, without the
 * pipeline running.
 * Addresses are unique per call, so tests that share a file's database stay apart.
 */
import { env } from "cloudflare:workers";
import { db } from "../../shared/db/client";
import type { NotificationStatus, Role, SubmissionStatus, UserRow } from "../../shared/db/schema";
import { newSubmissionId } from "../../shared/ids";
import { createUser } from "../../workers/auth/service";

/** An address no other test uses: `<tag>-<random>@example.com`. */
export const uniqueEmail = (tag: string) => `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;

/** A new verified account with a unique address. */
export async function userRow(role: Role = "user", tag = "repo"): Promise<UserRow> {
  const user = await createUser(db(env.DB), { email: uniqueEmail(tag), role, verified: true });
  if (!user) throw new Error("could not create a user");
  return user;
}

/** What a seeded submission looks like; everything not given has a plain default. */
export interface SubmissionSeed {
  status?: SubmissionStatus;
  /** The owner; also supplies the address unless `email` is given. */
  user?: Pick<UserRow, "id" | "email">;
  email?: string;
  createdAt?: number;
  /** Defaults to `createdAt`. */
  updatedAt?: number;
  completedAt?: number | null;
  pinned?: boolean;
  resultKey?: string | null;
  /** The `sources` column as stored: JSON text (or anything else, to test a bad one). */
  sources?: string | null;
}

/**
 * A submission row (no steps, files or objects) with an id minted at `createdAt`, so ids sort
 * like creation times. Returns the id.
 */
export async function submissionRow(seed: SubmissionSeed = {}): Promise<string> {
  const createdAt = seed.createdAt ?? Date.now();
  const id = newSubmissionId(createdAt);
  await env.DB.prepare(
    `INSERT INTO submissions (id, status, source, user_id, email, text_chars, input_key, result_key, correlation_id,
       created_at, updated_at, completed_at, pinned, sources)
     VALUES (?, ?, 'api', ?, ?, 5, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      seed.status ?? "queued",
      seed.user?.id ?? null,
      seed.email ?? seed.user?.email ?? uniqueEmail("owner"),
      `inputs/${id}.json`,
      seed.resultKey ?? null,
      `corr-${id}`,
      createdAt,
      seed.updatedAt ?? createdAt,
      seed.completedAt ?? null,
      seed.pinned ? 1 : 0,
      seed.sources ?? null,
    )
    .run();
  return id;
}

/** What a seeded delivery-log row looks like; everything not given has a plain default. */
export interface NotificationSeed {
  submissionId?: string | null;
  userId?: string | null;
  event?: string;
  channel?: string;
  recipient?: string;
  status?: NotificationStatus;
  providerMessageId?: string | null;
  createdAt?: number;
}

/** A delivery-log row (`notifications`) with a unique id. Returns the id. */
export async function notificationRow(seed: NotificationSeed = {}): Promise<string> {
  const id = `ntf_${crypto.randomUUID()}`;
  const at = seed.createdAt ?? Date.now();
  await env.DB.prepare(
    `INSERT INTO notifications (id, submission_id, user_id, event, channel, recipient, status, provider_message_id,
       created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      seed.submissionId ?? null,
      seed.userId ?? null,
      seed.event ?? "submission.completed",
      seed.channel ?? "email",
      seed.recipient ?? "someone@example.com",
      seed.status ?? "sent",
      seed.providerMessageId ?? null,
      at,
      at,
    )
    .run();
  return id;
}
