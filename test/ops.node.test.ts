import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ident, oneLine } from "../workers/backups/dump";
import { backupKey, backupTime, expiredBackups } from "../workers/backups/rotation";
import { CRONS } from "../workers/cron/dispatch";

const HOUR = 3_600_000;

describe("backup rotation", () => {
  it("names backups by their UTC time and reads the time back", () => {
    const at = new Date("2026-11-25T16:00:00.000Z");
    expect(backupKey(at)).toBe("backups/d1/2026-11-25T16-00-00Z.sql.gz");
    expect(backupTime(backupKey(at))?.toISOString()).toBe(at.toISOString());
    expect(backupTime("backups/d1/notes.txt")).toBeNull();
  });

  it("keeps the last 24 hours, the last backup of each day for 30 days, and always the newest", () => {
    const now = new Date("2026-11-25T16:00:00Z");
    // Every quarter-hour for 40 days back.
    const keys: string[] = [];
    for (let t = now.getTime() - 40 * 24 * HOUR; t <= now.getTime(); t += HOUR / 4) keys.push(backupKey(new Date(t)));
    const expired = new Set(expiredBackups(keys, now));
    const kept = keys.filter((k) => !expired.has(k));
    const recent = kept.filter((k) => now.getTime() - (backupTime(k) as Date).getTime() <= 24 * HOUR);
    expect(recent).toHaveLength(97); // both ends of the 24 hours
    const older = kept.filter((k) => !recent.includes(k));
    expect(older.every((k) => k.endsWith("T23-45-00Z.sql.gz"))).toBe(true);
    expect(older.length).toBeGreaterThanOrEqual(29);
    expect(older.length).toBeLessThanOrEqual(30);
    expect(kept).toContain(keys.at(-1));
  });

  it("never removes the only backup of a database that stopped changing", () => {
    const only = backupKey(new Date("2026-01-01T00:00:00Z"));
    expect(expiredBackups([only], new Date("2026-12-01T00:00:00Z"))).toEqual([]);
    expect(expiredBackups([only, "backups/d1/keep-me.txt"], new Date("2027-12-01T00:00:00Z"))).toEqual([]);
  });
});

describe("dump text", () => {
  it("puts schema statements on one line without changing their meaning", () => {
    const sql = "CREATE TABLE t (\n  a text DEFAULT 'x\n--y', -- a comment */\n  b [odd--name]\n)";
    expect(oneLine(sql)).toBe("CREATE TABLE t (   a text DEFAULT 'x\n--y', /* a comment * / */   b [odd--name] )");
    expect(ident('we"ird')).toBe('"we""ird"');
  });
});

describe("cron triggers", () => {
  it("wrangler.toml lists exactly the dispatcher's expressions in every environment", async () => {
    const toml = await readFile(new URL("../wrangler.toml", import.meta.url), "utf8");
    const lists = [...toml.matchAll(/^crons\s*=\s*(\[.*\])\s*$/gm)].map((m) => JSON.parse(m[1] as string));
    expect(lists).toHaveLength(3); // development, staging, production
    for (const list of lists) expect([...list].sort()).toEqual(Object.values(CRONS).sort());
  });
});
