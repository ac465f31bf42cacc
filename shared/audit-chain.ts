/**
 * The audit trail's hash chain: how a row's hash is made and how a chain is checked. Free of
 * bindings and libraries, so `npm run audit:verify` runs the same code in Node.
 */
import { sha256Hex } from "./crypto.ts";

/** One audit row as stored (see shared/db/audit.ts). */
export interface AuditRecord {
  id: number;
  at: number;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  correlationId: string | null;
  before: string | null;
  after: string | null;
  prevHash: string;
  hash: string;
}

/** The predecessor of the first row. */
export const GENESIS = "genesis";

/**
 * The row hash: SHA-256 over the previous hash and every content field in a fixed order, as
 * a JSON array (unambiguous, unlike joining strings). `id` is left out: it is assigned by
 * the database after the hash is made, and the chain already fixes the order.
 */
export function auditHash(row: Omit<AuditRecord, "id" | "hash">): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      row.prevHash,
      row.at,
      row.actorType,
      row.actorId,
      row.action,
      row.targetType,
      row.targetId,
      row.ip,
      row.userAgent,
      row.correlationId,
      row.before,
      row.after,
    ]),
  );
}

export interface ChainVerdict {
  ok: boolean;
  rows: number;
  head: { id: number; hash: string } | null;
  /** The first row that does not fit, and why. */
  broken?: { id: number; reason: string };
}

/**
 * Walks rows in id order and checks each links to its predecessor and hashes to its stored
 * hash. An edited row breaks its own hash; a deleted or inserted row breaks the link after it.
 */
export async function verifyChain(rows: AsyncIterable<AuditRecord[]> | Iterable<AuditRecord[]>): Promise<ChainVerdict> {
  let previous: string = GENESIS;
  let count = 0;
  let head: ChainVerdict["head"] = null;
  for await (const page of rows) {
    for (const row of page) {
      count += 1;
      if (row.prevHash !== previous) {
        return { ok: false, rows: count, head, broken: { id: row.id, reason: "does not link to the row before it" } };
      }
      const { id: _id, hash, ...content } = row;
      if ((await auditHash(content)) !== hash) {
        return { ok: false, rows: count, head, broken: { id: row.id, reason: "content does not match its hash" } };
      }
      previous = hash;
      head = { id: row.id, hash };
    }
  }
  return { ok: true, rows: count, head };
}
