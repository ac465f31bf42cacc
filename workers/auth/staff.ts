/**
 * Staff accounts: the people of the company who see and answer every request. An admin
 * invites an address (an account is made for it when it has none, with no password and no
 * role beyond `user`), the invitation mail carries a single-use `staff-invite` link, and the
 * role becomes `staff` only when the owner of the mailbox accepts it. Any change to a lower
 * role — staff removed, an admin made staff or user — ends the account's sessions and revokes
 * its API keys in the same step, so no credential keeps a privilege the account lost.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../shared/db/client";
import { type Role, roleRank, type UserRow, users } from "../../shared/db/schema";
import { keyCache } from "./key-cache";
import { consumeToken, peekToken, proveMailbox, resetPassword, revokeCredentials } from "./mailbox";
import { createUser, findUserByEmail, findUserById } from "./service";

/** Why an invitation cannot be sent. */
export type InviteRefusal = "already-staff" | "disabled";

/** The account to invite (made when the address has none), or why it cannot be invited. */
export async function accountToInvite(d: Db, email: string): Promise<UserRow | InviteRefusal> {
  const existing = (await findUserByEmail(d, email)) ?? (await createUser(d, { email }));
  // A concurrent sign-up won the insert: read the row it wrote.
  const user = existing ?? (await findUserByEmail(d, email));
  if (!user) throw new Error("the invited account could not be read back");
  if (user.disabledAt) return "disabled";
  if (user.role !== "user") return "already-staff";
  return user;
}

/**
 * Whether accepting needs a new password: the account has none, or it is not verified yet (a
 * password chosen before the mailbox was proven may be a stranger's, as `proveMailbox` says).
 */
export const acceptNeedsPassword = (user: UserRow) => user.passwordHash === null || user.emailVerifiedAt === null;

/**
 * The invitation a link stands for, without using it (the page asks for a password only when
 * accepting needs one); null for an unknown, used or expired link.
 */
export const pendingInvite = (d: Db, token: string, now = Date.now()): Promise<UserRow | null> =>
  peekToken(d, token, "staff-invite", now);

/**
 * Accepts an invitation: the link is used (once), the mailbox proven, the password set when
 * accepting needs one (`password` is then required: the caller checks it before), and the role
 * raised to `staff` (an account that became admin meanwhile stays admin). Null for a link that
 * cannot be used.
 */
export async function acceptInvite(
  d: Db,
  token: string,
  password: string | null,
): Promise<{ user: UserRow; before: Role } | null> {
  const used = await consumeToken(d, token, "staff-invite");
  if (!used) return null;
  const { user } = used;
  if (acceptNeedsPassword(user)) {
    if (!password) throw new Error("acceptInvite needs a password for this account");
    await resetPassword(d, user.id, password);
  } else {
    await proveMailbox(d, user.id, { keepPassword: true });
  }
  const [after] = await d
    .update(users)
    .set({ role: "staff", updatedAt: Date.now() })
    .where(and(eq(users.id, user.id), eq(users.role, "user")))
    .returning();
  keyCache.forget({ userId: user.id });
  return { user: after ?? user, before: user.role };
}

/**
 * Sets an account's role. A lower role than before ends every session and revokes every API
 * key of the account; a higher one only forgets its cached keys so they answer with the new
 * role at once. Returns the role before and after, or null for an unknown account.
 */
export async function changeRole(d: Db, userId: string, role: Role): Promise<{ before: Role; after: Role } | null> {
  const before = await findUserById(d, userId);
  if (!before) return null;
  await d.update(users).set({ role, updatedAt: Date.now() }).where(eq(users.id, userId));
  if (roleRank(role) < roleRank(before.role)) await revokeCredentials(d, userId);
  else keyCache.forget({ userId });
  return { before: before.role, after: role };
}
