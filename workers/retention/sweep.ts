/**
 * The retention cron job: finished, unpinned submissions past `RETENTION_DAYS` are removed
 * with everything of theirs (D1 rows, R2 objects, their job object's storage), in bounded
 * rounds so one run stays within a cron invocation's limits.
 */
import { z } from "zod";
import { db } from "../../shared/db/client";
import { createLogger } from "../../shared/log";
import { deleteObjects, submissionObjectKeys } from "../../shared/submissions/storage";
import { deleteSubmissions, findExpired } from "./repo";

/** Rows per round: three statements bind the ids, and D1 allows 100 bound parameters each. */
const PAGE = 50;
/** Rounds per run, so one run stays well inside a cron invocation's limits; the rest waits a day. */
const MAX_ROUNDS = 20;
const DAY = 86_400_000;

const retentionDays = z.coerce.number().int().min(1).max(3650);

/**
 * Removes finished submissions older than `RETENTION_DAYS` — rows in D1, every R2 object of
 * theirs, and their job objects' storage — unless the user pinned them. Rows go first: an object whose row is gone is
 * unreachable and harmless, while a row whose object is gone would be a broken record.
 */
export async function sweepExpired(env: Env, now = Date.now()): Promise<{ submissions: number; objects: number }> {
  const days = retentionDays.parse(env.RETENTION_DAYS);
  const cutoff = now - days * DAY;
  const d = db(env.DB);
  const log = createLogger({ correlationId: `retention-${now}`, component: "retention" });
  let removed = 0;
  let objects = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const expired = await findExpired(d, cutoff, PAGE);
    if (expired.length === 0) break;
    const gone = await deleteSubmissions(
      d,
      expired.map((e) => e.id),
    );
    const keys = (await Promise.all(gone.map((g) => submissionObjectKeys(env.FILES, g)))).flat();
    await deleteObjects(env.FILES, keys);
    // And what each job's object kept (address, step outputs).
    await Promise.all(gone.map((g) => env.JOB_COORDINATOR.getByName(g.id).purge()));
    removed += gone.length;
    objects += keys.length;
    if (expired.length < PAGE) break;
  }
  if (removed) log.info("retention sweep removed expired submissions", { submissions: removed, objects, days });
  return { submissions: removed, objects };
}
