import { DurableObject } from "cloudflare:workers";
import { type AuditEntry, appendAuditGroup } from "../shared/audit";
import { db } from "../shared/db/client";
import type { AuditRow } from "../shared/db/schema";

/** The most entries written in one D1 batch. */
const MAX_GROUP = 64;

interface Waiting {
  entry: AuditEntry;
  now: number;
  resolve: (row: AuditRow) => void;
  reject: (error: unknown) => void;
}

/**
 * The one writer of the audit chain (a single object, named "global"). Each row's hash
 * depends on the row before it, so appends must happen one at a time; here they queue in
 * memory instead of racing on D1 and retrying. Appends that arrive while a write is under
 * way are written together next, chained in arrival order, in one D1 batch (group commit):
 * a busy chain costs a round trip per group, not two per entry. (The unique `prev_hash`
 * still guards the chain if anything else ever writes to it.)
 */
export class AuditChain extends DurableObject<Env> {
  #waiting: Waiting[] = [];
  #writing = false;
  /** The hash of the last row this object wrote: the next group chains onto it unread. */
  #head: string | undefined;

  append(entry: AuditEntry, now: number = Date.now()): Promise<AuditRow> {
    return new Promise<AuditRow>((resolve, reject) => {
      this.#waiting.push({ entry, now, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, MAX_GROUP);
        try {
          const rows = await appendAuditGroup(db(this.env.DB), group, this.#head);
          this.#head = rows.at(-1)?.hash;
          group.forEach((w, i) => {
            const row = rows[i];
            if (row) w.resolve(row);
            else w.reject(new Error("audit append returned nothing"));
          });
        } catch (error) {
          this.#head = undefined;
          for (const w of group) w.reject(error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
