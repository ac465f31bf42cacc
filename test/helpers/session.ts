/**
 * Signed-in portal visitors for tests of the pages behind the sign-in: an account made
 * straight in D1, then signed in through the form the way a browser does, so the session
 * cookie is the one the portal really issues.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { db } from "../../shared/db/client";
import type { Role } from "../../shared/db/schema";
import { createUser } from "../../workers/auth/service";
import { PortalClient } from "./client";

/** The password of every account `signedInAs` makes. */
export const TEST_PASSWORD = "a long enough password";

/**
 * A portal client signed in as a new verified account with `email` and `role` (password
 * `TEST_PASSWORD`). Fails the test unless the sign-in form answers with its redirect.
 */
export async function signedInAs(email: string, role: Role = "user"): Promise<PortalClient> {
  await createUser(db(env.DB), { email, password: TEST_PASSWORD, role, verified: true });
  const client = new PortalClient();
  const form = await client.page("/auth/signin");
  const res = await client.post("/auth/signin", { email, password: TEST_PASSWORD }, form);
  expect(res.status).toBe(303);
  return client;
}
