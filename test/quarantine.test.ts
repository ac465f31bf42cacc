import { env, exports } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it, vi } from "vitest";
import { sweepInbound } from "../shared/mail/cleanup";
import { deliverMail, fillAckCap, newestSentMailTo, plainMail } from "./helpers/mail";
import { signedInAs } from "./helpers/session";

const INBOX = "requests@statex.localhost";
const BASE = "http://127.0.0.1:8787";
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
/** Three scam phrases (6 points, over the default threshold of 5). */
const SPAM_TEXT =
  "Dear friend, you have won EUR 950,000. To claim your prize pay the processing fee by Western Union today.";
const SPAM_SUBJECT = "Your winnings";

interface Row {
  id: string;
  status: string;
  reason: string | null;
  raw_key: string | null;
  submission_id: string | null;
  spam_score: number | null;
  spam_reasons: string | null;
  released_at: number | null;
  acked_at: number | null;
  created_at: number;
}

async function rowsFrom(sender: string): Promise<Row[]> {
  const { results } = await env.DB.prepare("SELECT * FROM inbound_emails WHERE sender = ? ORDER BY created_at, id")
    .bind(sender)
    .all<Row>();
  return results;
}

const auditOf = async (id: string) =>
  (
    await env.DB.prepare("SELECT action, actor_type, before, after FROM audit_log WHERE target_id = ? ORDER BY id")
      .bind(id)
      .all<{ action: string; actor_type: string; before: string; after: string }>()
  ).results;

/** A spam message delivered from a new address: its sender and its (single) record. */
async function quarantined(name: string) {
  const from = unique(name);
  const delivery = await deliverMail(plainMail({ from, subject: SPAM_SUBJECT, text: SPAM_TEXT }), { from, to: INBOX });
  const [row] = await rowsFrom(from);
  return { from, delivery, row: row as Row };
}

async function noMailTo(to: string) {
  await expect(newestSentMailTo(to)).rejects.toThrow(/no mail/);
}

describe("a new message scored as spam", () => {
  it("is quarantined: kept raw, recorded with its score and reasons, never answered, nothing started", async () => {
    const { from, delivery, row } = await quarantined("spammer");
    expect(delivery).toEqual({ rejected: null, replies: [], threw: null });
    await noMailTo(from);
    expect(row.status).toBe("quarantined");
    expect(row.reason).toBe("spam score 6 (threshold 5)");
    expect(row.spam_score).toBe(6);
    expect(JSON.parse(row.spam_reasons ?? "[]")).toEqual([
      expect.objectContaining({ rule: "scam-phrase", points: 6, detail: expect.stringContaining('"you have won"') }),
    ]);
    expect(row.acked_at).toBeNull();
    expect(row.raw_key).toBe(`mail/pending/${row.id}.eml`);
    expect(await (await env.FILES.get(row.raw_key ?? ""))?.text()).toContain("claim your prize");
    expect(row.submission_id).toBeNull();
    // Confirming would have made an account for the address: none exists.
    expect(await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(from).first()).toBeNull();
  });

  it("delivered again, is a duplicate: one record, still unanswered", async () => {
    const from = unique("again");
    const mail = plainMail({ from, subject: SPAM_SUBJECT, text: SPAM_TEXT });
    await deliverMail(mail, { from, to: INBOX });
    const second = await deliverMail(mail, { from, to: INBOX });
    expect(second.replies).toEqual([]);
    expect((await rowsFrom(from)).map((r) => r.status)).toEqual(["quarantined"]);
  });

  it("the same words are not scored in a reply to our signed thread address", async () => {
    const from = unique("customer");
    const first = await deliverMail(plainMail({ from, subject: "Website", text: "We need a new website." }), {
      from,
      to: INBOX,
    });
    const ack = await PostalMime.parse(first.replies[0] ?? "");
    const threadAddress = ack.replyTo?.[0]?.address ?? "";
    expect(threadAddress).toMatch(/^requests\+in_/);
    await deliverMail(
      plainMail({ from, to: threadAddress, subject: "Re: Website", text: `A phishing mail I got: "${SPAM_TEXT}"` }),
      { from, to: threadAddress },
    );
    expect((await rowsFrom(from)).map((r) => r.status)).toEqual(["pending", "appended"]);
  });
});

describe("/app/admin/quarantine", () => {
  it("lists each message with its score and reasons, linked from the admin home, for admins only", async () => {
    const { from, row } = await quarantined("listed");
    const admin = await signedInAs(unique("q-admin"), "admin");
    expect(await admin.page("/app/admin")).toContain('href="/app/admin/quarantine"');
    const html = await admin.page("/app/admin/quarantine");
    expect(html).toContain(`id="mail-${row.id}"`);
    expect(html).toContain('data-score="6"');
    expect(html).toMatch(/scam-phrase<\/span> \+6: scam phrases: &quot;you have won&quot;/);
    const staff = await signedInAs(unique("q-staff"), "staff");
    expect([403, 404]).toContain((await staff.get("/app/admin/quarantine")).status);
    const res = await staff.post(`/app/admin/quarantine/${row.id}/release`, {}, html);
    expect([403, 404]).toContain(res.status);
    expect(await rowsFrom(from)).toEqual([row]);
  });

  it("release runs the message as if just received: its sender is asked to confirm, once; audited; twice is refused", async () => {
    const { from, row } = await quarantined("released");
    const admin = await signedInAs(unique("q-admin"), "admin");
    const page = await admin.page("/app/admin/quarantine");
    const res = await admin.post(`/app/admin/quarantine/${row.id}/release`, {}, page);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/app/admin/quarantine?m=released-pending");
    expect(await admin.page("/app/admin/quarantine?m=released-pending")).toContain("its sender was asked to confirm");

    const [after] = await rowsFrom(from);
    expect(after).toMatchObject({ id: row.id, status: "pending", spam_score: 6, raw_key: row.raw_key });
    expect(after?.released_at).toBeGreaterThan(0);
    expect(after?.acked_at).toBeGreaterThan(0);
    const ack = await vi.waitFor(() => newestSentMailTo(from, `Re: ${SPAM_SUBJECT}`), { timeout: 5_000, interval: 50 });
    expect(ack.text).toMatch(/\/email\/confirm\//);
    expect(await auditOf(row.id)).toEqual([
      expect.objectContaining({ action: "quarantine.released", actor_type: "admin" }),
    ]);

    const again = await admin.post(`/app/admin/quarantine/${row.id}/release`, {}, page);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("already released");
    expect(await rowsFrom(from)).toEqual([after]);
    expect((await newestSentMailTo(from)).messageId).toBe(ack.messageId);
    expect(await auditOf(row.id)).toHaveLength(1);

    // The confirmation link works as for any new mail: the request starts.
    const path = /http:\/\/127\.0\.0\.1:8787(\/email\/confirm\/[A-Za-z0-9_.-]+)/.exec(ack.text ?? "")?.[1];
    expect((await exports.default.fetch(`${BASE}${path}`, { method: "POST" })).status).toBe(200);
    expect((await rowsFrom(from))[0]?.status).toBe("accepted");
  });

  it("delete removes the raw message and keeps the record ignored; audited; deleting or releasing it again is refused", async () => {
    const { from, row } = await quarantined("deleted");
    const admin = await signedInAs(unique("q-admin"), "admin");
    const page = await admin.page("/app/admin/quarantine");
    const res = await admin.post(`/app/admin/quarantine/${row.id}/delete`, {}, page);
    expect(res.status).toBe(303);
    expect(await env.FILES.head(row.raw_key ?? "")).toBeNull();
    const [after] = await rowsFrom(from);
    expect(after).toMatchObject({ status: "ignored", reason: "spam: deleted from quarantine", raw_key: null });
    expect(await auditOf(row.id)).toEqual([expect.objectContaining({ action: "quarantine.deleted" })]);
    expect(await admin.page("/app/admin/quarantine")).not.toContain(`id="mail-${row.id}"`);

    for (const action of ["delete", "release"]) {
      const again = await admin.post(`/app/admin/quarantine/${row.id}/${action}`, {}, page);
      expect(again.status).toBe(409);
      expect(await again.text()).toContain("deleted from quarantine");
    }
    expect(await rowsFrom(from)).toEqual([after]);
    await noMailTo(from);
    expect(await auditOf(row.id)).toHaveLength(1);
  });

  it("an id that is not an inbound message's is 404; one that was never quarantined is 409", async () => {
    const admin = await signedInAs(unique("q-admin"), "admin");
    const page = await admin.page("/app/admin/quarantine");
    expect((await admin.post("/app/admin/quarantine/nonsense/release", {}, page)).status).toBe(404);
    const from = unique("normal");
    await deliverMail(plainMail({ from, text: "We need a new website." }), { from, to: INBOX });
    const [row] = await rowsFrom(from);
    const res = await admin.post(`/app/admin/quarantine/${row?.id}/release`, {}, page);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("not in quarantine");
    expect(await rowsFrom(from)).toEqual([row]);
  });

  it("a quarantined message is swept with its raw copy after the retention period", async () => {
    const { from, row } = await quarantined("swept");
    await sweepInbound(env, Date.now() + 31 * 86_400_000);
    expect(await rowsFrom(from)).toEqual([]);
    expect(await env.FILES.head(row.raw_key ?? "")).toBeNull();
  });

  // Last in the file: it fills this file's database with an hour's worth of acknowledgements.
  it("a release the acknowledgement cap holds back leaves the message in quarantine exactly as it was", async () => {
    const { from, row } = await quarantined("capped");
    await fillAckCap("qseed", INBOX);
    const admin = await signedInAs(unique("q-admin"), "admin");
    const page = await admin.page("/app/admin/quarantine");
    const res = await admin.post(`/app/admin/quarantine/${row.id}/release`, {}, page);
    expect(res.status).toBe(409);
    expect(await res.text()).toMatch(/stays in quarantine: StateX is receiving unusually many/);
    expect(await rowsFrom(from)).toEqual([row]);
    expect(await env.FILES.head(row.raw_key ?? "")).not.toBeNull();
    await noMailTo(from);
    expect(await auditOf(row.id)).toEqual([]);
  });
});
