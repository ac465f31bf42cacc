import { env, exports } from "cloudflare:workers";
import PostalMime, { type Email } from "postal-mime";
import { vi } from "vitest";
import type { SubmissionView } from "../../workers/api/submissions/schemas";

export const BASE = "http://statex.test";

export function postSubmission(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`${BASE}/v1/submissions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function getSubmission(id: string): Promise<SubmissionView> {
  const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}`);
  if (res.status !== 200) throw new Error(`GET ${id}: ${res.status} ${await res.text()}`);
  return res.json();
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

export async function notificationRows(submissionId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, event, channel, recipient, status, attempts, provider_message_id, error FROM notifications WHERE submission_id = ? ORDER BY created_at",
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
