import { DurableObject } from "cloudflare:workers";
import type { AuditEntry } from "../shared/audit";
import { appendAudit } from "../shared/audit";
import type { AuditRow } from "../shared/db/schema";
import { db } from "../workers/api/submissions/repo";

/**
 * The one writer of the audit chain (a single object, named "global"). Each row's hash
 * depends on the row before it, so appends must happen one at a time; here they queue
 * in memory instead of racing on D1 and retrying. (The unique `prev_hash` still guards the chain if
 * anything else ever writes to it.)
 */
export class AuditChain extends DurableObject<Env> {
  /** The last append in the queue; each append starts after the one before it settles. */
  #tail: Promise<unknown> = Promise.resolve();

  append(entry: AuditEntry, now: number = Date.now()): Promise<AuditRow> {
    const run = this.#tail.then(() => appendAudit(db(this.env.DB), entry, now));
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
