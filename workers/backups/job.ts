/**
 * The backup cron job: a gzipped SQL dump of D1 written to R2 when the data changed since the
 * latest backup, and the rotation applied to what is kept.
 */
import { sha256Hex } from "../../shared/crypto";
import { createLogger } from "../../shared/log";
import { dumpDatabase, gzip } from "./dump";
import { BACKUP_PREFIX, backupKey, backupTime, expiredBackups, utcDay } from "./rotation";

/** What one backup run did. */
export interface BackupOutcome {
  status: "written" | "unchanged";
  /** The key written, or the latest backup that still holds the current data. */
  key: string | null;
  /** Compressed size of the object written. */
  bytes?: number;
  rows?: number;
  durationMs: number;
  /** Keys removed by the rotation. */
  deleted: string[];
}

/** `customMetadata` on each backup object: what the next run compares against. */
interface BackupMeta {
  bookmark?: string;
  sha256?: string;
}

/** Every backup object with its metadata, oldest first (R2 lists keys in ascending order). */
async function listBackups(bucket: R2Bucket) {
  const objects: R2Object[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: BACKUP_PREFIX, cursor, include: ["customMetadata"] });
    objects.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects.filter((o) => backupTime(o.key) !== null);
}

/** The database's current bookmark: one trivial query on the primary, no rows read. */
async function currentBookmark(db: D1Database): Promise<string | null> {
  const session = db.withSession("first-primary");
  await session.prepare("SELECT 1").first();
  return session.getBookmark();
}

/**
 * Backs up D1 to R2 as a gzipped SQL dump, unless nothing changed since the latest backup.
 *
 * Change is detected in two steps. First D1's session bookmark, which names the last commit:
 * if it still equals the one stored with the latest backup, nothing was written and the dump is
 * skipped (one trivial query). A moved bookmark is only a hint — a write that changed nothing
 * moves it, and the local runtime moves it on every read — so the dump's SHA-256 decides: equal
 * to the latest backup's, nothing is written (one read of every row, no R2 write). The first
 * run of each UTC day always writes, so the daily tier of the rotation has a copy of every day.
 * The backup state lives in the objects' metadata, not in D1, so a backup is never itself a
 * change to back up.
 */
export async function runBackup(env: Env, now = new Date()): Promise<BackupOutcome> {
  const started = Date.now();
  const log = createLogger({ correlationId: `backup-${now.toISOString()}`, component: "backup" });
  const existing = await listBackups(env.FILES);
  const latest = existing.at(-1);
  const latestMeta = (latest?.customMetadata ?? {}) as BackupMeta;
  const sameDay = latest ? utcDay(backupTime(latest.key) as Date) === utcDay(now) : false;

  const rotate = async (keys: string[]) => {
    const expired = expiredBackups(keys, now);
    if (expired.length) await env.FILES.delete(expired);
    return expired;
  };

  const bookmark = latestMeta.bookmark ? await currentBookmark(env.DB) : null;
  if (latest && sameDay && latestMeta.bookmark && latestMeta.bookmark === bookmark) {
    const deleted = await rotate(existing.map((o) => o.key));
    return { status: "unchanged", key: latest.key, durationMs: Date.now() - started, deleted };
  }

  const dump = await dumpDatabase(env.DB, now);
  const hash = await sha256Hex(dump.body);
  if (latest && sameDay && latestMeta.sha256 === hash) {
    const deleted = await rotate(existing.map((o) => o.key));
    return { status: "unchanged", key: latest.key, durationMs: Date.now() - started, deleted };
  }

  const key = backupKey(now);
  const body = await gzip(dump.sql);
  const rows = Object.values(dump.rows).reduce((a, b) => a + b, 0);
  const tables = JSON.stringify(dump.rows);
  await env.FILES.put(key, body, {
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: {
      ...(dump.bookmark ? { bookmark: dump.bookmark } : {}),
      sha256: hash,
      rows: String(rows),
      sqlBytes: String(dump.sql.length),
      // R2 caps an object's metadata at a few KB: the per-table counts go only while small.
      ...(tables.length <= 1024 ? { tables } : {}),
    },
  });
  const deleted = await rotate([...existing.map((o) => o.key), key]);
  const outcome: BackupOutcome = { status: "written", key, bytes: body.byteLength, rows, durationMs: 0, deleted };
  outcome.durationMs = Date.now() - started;
  log.info("d1 backup written", { ...outcome });
  return outcome;
}
