import { env } from "cloudflare:workers";
import PostalMime from "postal-mime";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { createUser } from "../workers/auth/service";
import { deliverMail, plainMail } from "./helpers/mail";
import { signedInAs } from "./helpers/session";

const INBOX = "requests@statex.localhost";
const TRUSTED = { INBOUND_AUTHSERV_IDS: "mx.gateway.example" };
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@known.example`;

async function account(knownSender: "off" | "authenticated" | "always", verified = true) {
  const email = unique(knownSender);
  const user = await createUser(db(env.DB), { email, verified });
  await env.DB.prepare("UPDATE users SET known_sender = ? WHERE id = ?")
    .bind(knownSender, user?.id ?? "")
    .run();
  return email;
}

const dmarcPass = (email: string, authserv = "mx.gateway.example") => ({
  "Authentication-Results": `${authserv}; spf=pass smtp.mailfrom=${email}; dmarc=pass header.from=known.example`,
});

async function outcome(from: string) {
  const row = await env.DB.prepare("SELECT status, submission_id FROM inbound_emails WHERE sender = ?")
    .bind(from)
    .first<{ status: string; submission_id: string | null }>();
  const sub = await env.DB.prepare("SELECT id FROM submissions WHERE email = ?").bind(from).first<{ id: string }>();
  return { status: row?.status, started: Boolean(sub), submissionId: row?.submission_id ?? null };
}

describe("known senders", () => {
  it("an account that allows it, with a passing aligned result from a trusted authserv-id, starts at once", async () => {
    const from = await account("authenticated");
    const delivery = await deliverMail(
      plainMail({ from, subject: "Known", text: "Summarise our price list.", headers: dmarcPass(from) }),
      { from, to: INBOX },
      { env: TRUSTED },
    );
    expect(delivery.rejected).toBeNull();
    const result = await outcome(from);
    expect(result).toMatchObject({ status: "accepted", started: true });
    const ack = await PostalMime.parse(delivery.replies[0] ?? "");
    expect(ack.text).toContain("started work on it");
    expect(ack.text).toContain(`/app/requests/${result.submissionId}`);
    expect(ack.text).not.toContain("/email/confirm/");
    // Replies join the request's thread, not a conversation waiting for confirmation.
    expect(ack.replyTo?.[0]?.address).toMatch(/^requests\+sub_/);
    const audited = await env.DB.prepare(
      "SELECT actor_type FROM audit_log WHERE action = 'submission.created' AND target_id = ?",
    )
      .bind(result.submissionId)
      .first();
    expect(audited).toEqual({ actor_type: "user" });
  });

  it("a header from an authserv-id that is not trusted counts for nothing: the sender confirms", async () => {
    const from = await account("authenticated");
    await deliverMail(
      plainMail({ from, text: "Forged?", headers: dmarcPass(from, "mx.forger.example") }),
      { from, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(from)).toMatchObject({ status: "pending", started: false });
    // With no authserv-id trusted at all (the default), the same header is not read either.
    const other = await account("authenticated");
    await deliverMail(plainMail({ from: other, text: "Default config", headers: dmarcPass(other) }), {
      from: other,
      to: INBOX,
    });
    expect(await outcome(other)).toMatchObject({ status: "pending", started: false });
  });

  it("without any authentication result, only an account that trusts its address without one skips", async () => {
    const cautious = await account("authenticated");
    await deliverMail(
      plainMail({ from: cautious, text: "No header" }),
      { from: cautious, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(cautious)).toMatchObject({ status: "pending", started: false });
    const trusting = await account("always");
    await deliverMail(
      plainMail({ from: trusting, text: "No header" }),
      { from: trusting, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(trusting)).toMatchObject({ status: "accepted", started: true });
  });

  it("a failing result confirms even for an account that trusts its address", async () => {
    const from = await account("always");
    await deliverMail(
      plainMail({
        from,
        text: "Spoofed",
        headers: { "Authentication-Results": "mx.gateway.example; dmarc=fail header.from=known.example" },
      }),
      { from, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(from)).toMatchObject({ status: "pending", started: false });
  });

  it("accounts that are off (the default) or never verified confirm as before", async () => {
    const off = await account("off");
    await deliverMail(
      plainMail({ from: off, text: "Hi", headers: dmarcPass(off) }),
      { from: off, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(off)).toMatchObject({ status: "pending", started: false });
    const unverified = await account("always", false);
    await deliverMail(
      plainMail({ from: unverified, text: "Hi", headers: dmarcPass(unverified) }),
      { from: unverified, to: INBOX },
      { env: TRUSTED },
    );
    expect(await outcome(unverified)).toMatchObject({ status: "pending", started: false });
  });

  it("a redelivered known sender's message starts one request", async () => {
    const from = await account("always");
    const raw = plainMail({ from, text: "Once only" });
    await deliverMail(raw, { from, to: INBOX });
    await deliverMail(raw, { from, to: INBOX });
    const { results } = await env.DB.prepare("SELECT id FROM submissions WHERE email = ?").bind(from).all();
    expect(results).toHaveLength(1);
  });
});

describe("the profile setting", () => {
  it("is saved, audited, and refuses a value that is not one of its options", async () => {
    const email = unique("profile");
    const client = await signedInAs(email);
    let page = await client.page("/app/profile");
    expect(page).toContain('name="knownSender" value="off" checked');
    const bad = await client.post("/app/known-sender", { knownSender: "everyone" }, page);
    expect(bad.status).toBe(422);
    const read = () => env.DB.prepare("SELECT known_sender FROM users WHERE email = ?").bind(email).first();
    expect(await read()).toEqual({ known_sender: "off" });
    page = await client.page("/app/profile");
    const ok = await client.post("/app/known-sender", { knownSender: "authenticated" }, page);
    expect(ok.status).toBe(303);
    expect(await read()).toEqual({ known_sender: "authenticated" });
    const audit = await env.DB.prepare(
      `SELECT "after" AS after_json FROM audit_log WHERE action = 'account.known_sender_changed' AND target_id = (SELECT id FROM users WHERE email = ?)`,
    )
      .bind(email)
      .first<{ after_json: string }>();
    expect(audit?.after_json).toContain("authenticated");
  });
});
