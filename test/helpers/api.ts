/**
 * Talking to the Worker as an API client does: API keys for test accounts (made on first use
 * in the file's D1), requests with them, submissions posted and read back from storage, the
 * mail the local send_email binding wrote, and answers returned once their background work
 * has settled.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import PostalMime, { type Email } from "postal-mime";
import { vi } from "vitest";
import { db } from "../../shared/db/client";
import type { Role, Scope } from "../../shared/db/schema";
import { findSubmission } from "../../shared/submissions/repo";
import type { SubmissionView } from "../../workers/api/submissions/schemas";
import { toView } from "../../workers/api/submissions/service";
import { createApiKey, createUser, findUserByEmail } from "../../workers/auth/service";
import worker from "../../workers/index";

export const BASE = "http://statex.test";
export const DEFAULT_EMAIL = "tester@example.com";

const keys = new Map<string, string>();

/**
 * An API key for a verified user with this address (created on first use, in this test
 * file's isolated D1). The key's scopes default to read and write.
 */
export async function apiKeyFor(
  email: string = DEFAULT_EMAIL,
  options: { role?: Role; scopes?: Scope[] } = {},
): Promise<string> {
  const cacheKey = `${email}|${options.role ?? "user"}|${(options.scopes ?? []).join(",")}`;
  const cached = keys.get(cacheKey);
  if (cached) return cached;
  const d = db(env.DB);
  const user =
    (await findUserByEmail(d, email)) ??
    (await createUser(d, { email, password: "correct horse battery", role: options.role, verified: true }));
  if (!user) throw new Error(`could not create ${email}`);
  const { key } = await createApiKey(d, user.id, "test", options.scopes ?? ["submissions:read", "submissions:write"]);
  keys.set(cacheKey, key);
  return key;
}

/** `method path` as the holder of API key `key`, with `body` (when given) as JSON. */
export async function api(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return exports.default.fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * The Worker's answer to a request, returned once everything the request left running
 * (`waitUntil`: error reports, key use, emailed links) has settled. A test proving that a request
 * caused nothing more asserts after this, not after a sleep.
 */
export async function fetchSettled(path: string, init?: RequestInit<IncomingRequestCfProperties>): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request<unknown, IncomingRequestCfProperties>(`${BASE}${path}`, init);
  const res = await worker.fetch(request, env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/**
 * POSTs a submission as the owner of `body.email` (a verified user with an API key, made on
 * first use; `email` itself is not sent — results go to the account's address) or as the
 * default test user. Raw string bodies are sent as they are.
 */
export async function postSubmission(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  let payload = body;
  let email = DEFAULT_EMAIL;
  if (body && typeof body === "object" && !Array.isArray(body) && "email" in body) {
    const { email: owner, ...rest } = body as { email: unknown };
    if (typeof owner === "string") email = owner;
    payload = rest;
  }
  return exports.default.fetch(`${BASE}/v1/submissions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await apiKeyFor(email)}`, ...headers },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

/**
 * Reads a submission's API view straight from storage (not over HTTP, so polling never
 * counts against a key's rate limit). Tests of the HTTP reads make their own requests.
 */
export async function getSubmission(id: string): Promise<SubmissionView> {
  const found = await findSubmission(db(env.DB), id);
  if (!found) throw new Error(`no submission ${id}`);
  return toView(env, found);
}

/** Waits (polling, up to 15 s) until the submission reaches one of `statuses`. */
export async function waitForStatus(id: string, statuses: SubmissionView["status"][]): Promise<SubmissionView> {
  return vi.waitFor(
    async () => {
      const s = await getSubmission(id);
      if (!statuses.includes(s.status)) throw new Error(`still ${s.status}`);
      return s;
    },
    { timeout: 15_000, interval: 50 },
  );
}

/** The raw `.eml` the local send_email binding wrote for `messageId`, parsed back. */
export async function readSentEmail(messageId: string): Promise<{ raw: string; email: Email }> {
  const raw = await vi.waitFor(
    async () => {
      const res = await env.SENT_MAIL.fetch(`http://sent-mail/?messageId=${encodeURIComponent(messageId)}`);
      if (res.status !== 200) throw new Error(`no .eml for ${messageId} yet (${res.status})`);
      return res.text();
    },
    { timeout: 5_000, interval: 50 },
  );
  return { raw, email: await PostalMime.parse(raw) };
}

/** The deliveries about a submission to its owner, oldest first (staff's `staff.*` notices are not the owner's). */
export async function notificationRows(submissionId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, event, channel, recipient, status, attempts, provider_message_id, error FROM notifications WHERE submission_id = ? AND event NOT LIKE 'staff.%' ORDER BY created_at",
  )
    .bind(submissionId)
    .all<{
      id: string;
      event: string;
      channel: string;
      recipient: string;
      status: string;
      attempts: number;
      provider_message_id: string | null;
      error: string | null;
    }>();
  return results;
}

/** Authorization headers of an admin (admins may read and act on every submission). */
export async function adminHeaders(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await apiKeyFor("admin@statex.test", { role: "admin" })}`, ...extra };
}
