/**
 * What the API (`/v1/account`) and the portal's profile both do with the caller's own account:
 * download everything it holds as one archive, and delete it for good once the person has
 * typed its address. Each records itself in the audit trail through the caller's `audit`; the
 * caller turns a refused confirmation into its own answer (a 422 problem, or the profile page).
 */
import type { AuditEntry } from "../../shared/audit";
import type { UserRow } from "../../shared/db/schema";
import type { Logger } from "../../shared/log";
import { deleteAccount } from "./delete";
import { buildExport } from "./export";

/** Records an account action in the audit trail, as the caller's request. */
type Audit = (entry: Pick<AuditEntry, "action" | "targetType" | "targetId">) => Promise<void>;

/** The archive as a download response. */
function exportResponse(archive: Uint8Array, now = new Date()): Response {
  const day = now.toISOString().slice(0, 10);
  return new Response(archive, {
    headers: {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="statex-export-${day}.zip"`,
      "cache-control": "no-store",
    },
  });
}

/** The ZIP archive of everything account `userId` holds, as a download; recorded first. */
export async function exportAccount(env: Env, userId: string, audit: Audit): Promise<Response> {
  await audit({ action: "account.exported", targetType: "user", targetId: userId });
  return exportResponse(await buildExport(env, userId));
}

/**
 * Deletes `user`'s account and everything in it, then records it, if `confirm` (what the
 * person typed) is the account's address, in any case and with spaces around. False, with
 * nothing deleted, when it is not.
 */
export async function deleteConfirmedAccount(
  env: Env,
  user: Pick<UserRow, "id" | "email">,
  confirm: string,
  log: Logger,
  audit: Audit,
): Promise<boolean> {
  if (confirm.trim().toLowerCase() !== user.email) return false;
  await deleteAccount(env, user.id, log);
  await audit({ action: "account.deleted", targetType: "user", targetId: user.id });
  return true;
}
