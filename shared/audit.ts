/**
 * Writing the audit trail: what an audited action says about itself, and appending entries to
 * the hash chain in D1 (the AuditChain Durable Object, the trail's one writer, calls
 * appendAuditGroup). How a hash is made and a chain is checked lives in audit-chain.ts.
 */
import { desc } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { auditHash, GENESIS } from "./audit-chain";
import { type AuditRow, auditLog } from "./db/audit";

export type AuditActorType = AuditRow["actorType"];

/** What an audited action says about itself. */
export interface AuditEntry {
  actorType: AuditActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  correlationId?: string | null;
  before?: unknown;
  after?: unknown;
}

type Content = Omit<AuditRow, "id" | "hash">;

/** Drops the host part of an IP: /24 for IPv4, /48 for IPv6. */
export function truncateIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(ip);
  if (v4) return `${v4[1]}.0/24`;
  if (ip.includes(":")) return `${ip.split(":").slice(0, 3).join(":")}::/48`;
  return null;
}

/** Each lost race costs one round; the AuditChain object normally leaves no races at all. */
const MAX_ATTEMPTS = 50;

const asJson = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/**
 * Appends one entry at the head of the chain. The unique `prev_hash` turns a lost race into
 * a constraint error; the entry is then re-hashed onto the new head and tried again.
 */
export async function appendAudit(db: DrizzleD1Database, entry: AuditEntry, now = Date.now()): Promise<AuditRow> {
  const [row] = await appendAuditGroup(db, [{ entry, now }]);
  if (!row) throw new Error("audit append returned nothing");
  return row;
}

/**
 * Appends entries in order as one D1 batch (one transaction, one round trip): the head is
 * read once and each entry is chained onto the one before it. A lost race fails the whole
 * batch, which is then re-chained onto the new head and tried again.
 */
export async function appendAuditGroup(
  db: DrizzleD1Database,
  group: readonly { entry: AuditEntry; now: number }[],
  /** The head's hash as the caller last wrote it (the chain's one writer); read when absent. */
  knownHead?: string,
): Promise<AuditRow[]> {
  if (group.length === 0) return [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    // After a lost race, wait a little (random, growing) so the racers spread out.
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(attempt, 10)));
    // A stale known head (someone else appended) fails on the unique `prev_hash`, and the
    // next attempt reads the real one.
    let prevHash =
      attempt === 0 && knownHead
        ? knownHead
        : ((await db.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1))[0]?.hash ??
          GENESIS);
    const rows: (Content & { hash: string })[] = [];
    for (const { entry, now } of group) {
      const content: Content = {
        at: now,
        actorType: entry.actorType,
        actorId: entry.actorId ?? null,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        ip: truncateIp(entry.ip),
        userAgent: entry.userAgent?.slice(0, 300) ?? null,
        correlationId: entry.correlationId ?? null,
        before: asJson(entry.before),
        after: asJson(entry.after),
        prevHash,
      };
      const hash = await auditHash(content);
      rows.push({ ...content, hash });
      prevHash = hash;
    }
    try {
      const [first, ...rest] = rows.map((row) => db.insert(auditLog).values(row).returning());
      if (!first) return [];
      const written = await db.batch([first, ...rest]);
      return written.map(([row]) => {
        if (!row) throw new Error("audit insert returned nothing");
        return row;
      });
    } catch (error) {
      if (
        !/UNIQUE constraint failed/i.test(String(error instanceof Error ? `${error.message} ${error.cause}` : error))
      ) {
        throw error;
      }
    }
  }
  throw new Error(`audit append lost the race ${MAX_ATTEMPTS} times`);
}
