/** Where D1 backups live in the `FILES` bucket, and how long each kind is kept. */
export const BACKUP_PREFIX = "backups/d1/";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Keep every backup of the last 24 hours (at most 96 quarter-hours), then the last backup of
 * each UTC day for 30 days. The newest backup is always kept, however old: it is the only copy
 * of a database that has not changed since.
 */
export const ROTATION = { recentMs: DAY, dailyMs: 30 * DAY } as const;

/** `backups/d1/2026-11-25T16-00-00Z.sql.gz`: sorts by time, and has no `:` for shells and URLs. */
export function backupKey(at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(":", "-");
  return `${BACKUP_PREFIX}${stamp}.sql.gz`;
}

/** The time a backup key was written for, or `null` for any other key under the prefix. */
export function backupTime(key: string): Date | null {
  const m = /^backups\/d1\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z\.sql\.gz$/.exec(key);
  if (!m) return null;
  const at = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(at.getTime()) ? null : at;
}

export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** The keys that fall out of the rotation at `now`. Keys that are not backups are never chosen. */
export function expiredBackups(keys: string[], now: Date, policy = ROTATION): string[] {
  const backups = keys
    .map((key) => ({ key, at: backupTime(key) }))
    .filter((b): b is { key: string; at: Date } => b.at !== null)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const keep = new Set<string>();
  const newest = backups.at(-1);
  if (newest) keep.add(newest.key);
  const lastOfDay = new Map<string, string>();
  for (const b of backups) {
    const age = now.getTime() - b.at.getTime();
    if (age <= policy.recentMs) keep.add(b.key);
    if (age <= policy.dailyMs) lastOfDay.set(utcDay(b.at), b.key); // ascending: the last one wins
  }
  for (const key of lastOfDay.values()) keep.add(key);
  return backups.filter((b) => !keep.has(b.key)).map((b) => b.key);
}
