/**
 * `npm run audit:verify [-- --remote] [-- --env staging|production] [-- --persist-to DIR]`:
 * reads the audit trail through wrangler and walks its hash chain with the same code the
 * Worker uses. Prints the head, or the first broken row; exits 1 if the chain is broken.
 */
import { type AuditRecord, verifyChain } from "../shared/audit-chain.ts";
import { wrangler } from "./run.ts";

const PAGE = 1000;
const args = process.argv.slice(2);
const target = args.includes("--remote") ? ["--remote"] : ["--local"];
const passthrough = args.filter((a) => a !== "--remote" && a !== "--local");

interface Row {
  id: number;
  at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  correlation_id: string | null;
  before: string | null;
  after: string | null;
  prev_hash: string;
  hash: string;
}

async function* pages(): AsyncGenerator<AuditRecord[]> {
  let after = 0;
  for (;;) {
    const out = wrangler([
      "d1",
      "execute",
      "DB",
      ...target,
      ...passthrough,
      "--json",
      "--command",
      `SELECT * FROM audit_log WHERE id > ${after} ORDER BY id LIMIT ${PAGE}`,
    ]);
    const rows = (JSON.parse(out) as { results: Row[] }[])[0]?.results ?? [];
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      ip: r.ip,
      userAgent: r.user_agent,
      correlationId: r.correlation_id,
      before: r.before,
      after: r.after,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
    after = rows.at(-1)?.id ?? after;
  }
}

const verdict = await verifyChain(pages());
if (verdict.ok) {
  console.log(
    verdict.head
      ? `audit chain OK: ${verdict.rows} rows, head #${verdict.head.id} ${verdict.head.hash}`
      : "audit chain OK: no rows yet",
  );
} else {
  console.error(
    `audit chain BROKEN at row #${verdict.broken?.id}: ${verdict.broken?.reason} (${verdict.rows} rows read)`,
  );
  process.exit(1);
}
