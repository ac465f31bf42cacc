import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { createLogger } from "../shared/log";
import { sweepInbound } from "../shared/mail/cleanup";
import { addForwardRule, createRoute } from "../shared/mail/routes/repo";
import { routesToUs } from "../shared/mail/routes/resolve";
import { deleteAccount } from "../workers/account/delete";
import { createUser } from "../workers/auth/service";
import { deliverMail, plainMail } from "./helpers/mail";
import { ROUTE, uniqueDomain } from "./helpers/routes";
import { signedInAs } from "./helpers/session";

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
const domain = uniqueDomain;
const route = ROUTE;
const rule: {
  matchAddress: string | null;
  matchSenderDomain: string | null;
  matchSubject: string;
  matchVerdict: "spam" | "ham" | null;
  stop: boolean;
} = { matchAddress: null, matchSenderDomain: null, matchSubject: "", matchVerdict: null, stop: false };
type Forwarded = { to: string; headers: [string, string][] }[];

/** A route at a domain of its own with the given rules; returns its address and rule ids. */
async function routeWith(rules: Partial<typeof rule & { destination: string }>[], alias?: string) {
  const d = db(env.DB);
  const at = domain("fwd");
  const { route: r } = await createRoute(d, route, { address: `sales@${at}`, plusTags: true });
  if (alias) {
    await env.DB.prepare(
      "INSERT INTO mail_addresses (address, route_id, kind, plus_tags, created_at) VALUES (?, ?, 'alias', 0, ?)",
    )
      .bind(`${alias}@${at}`, r.id, Date.now())
      .run();
  }
  const ids: string[] = [];
  for (const over of rules) {
    const destination = over.destination ?? `desk-${crypto.randomUUID().slice(0, 6)}@staff.example`;
    const matchAddress = over.matchAddress ? `${over.matchAddress}@${at}` : null;
    ids.push(
      (await addForwardRule(d, r.id, { ...rule, ...over, matchAddress, destination }, (a) => routesToUs(env, a))).id,
    );
  }
  return { at, routeId: r.id, ids };
}

const logOf = async (sender: string) =>
  (
    await env.DB.prepare(
      "SELECT rule_id, destination, outcome, error FROM mail_forwards WHERE sender = ? ORDER BY created_at",
    )
      .bind(sender)
      .all<{ rule_id: string; destination: string; outcome: string; error: string | null }>()
  ).results;
const inbound = (sender: string) =>
  env.DB.prepare("SELECT status, reason, raw_key FROM inbound_emails WHERE sender = ?").bind(sender).first();

describe("forwarding rules", () => {
  it("a rule on the spam verdict gets the message's score: spam is forwarded (and quarantined), a person's mail is not", async () => {
    const { at, ids } = await routeWith([{ destination: "abuse-desk@staff.example", matchVerdict: "spam" }]);
    const spammer = unique("winner");
    const forwards: Forwarded = [];
    await deliverMail(
      plainMail({
        from: spammer,
        to: `sales@${at}`,
        subject: "Your winnings",
        text: "Dear friend, you have won EUR 950,000. To claim your prize pay the processing fee by Western Union today.",
      }),
      { from: spammer, to: `sales@${at}` },
      { forwards },
    );
    expect(forwards).toEqual([{ to: "abuse-desk@staff.example", headers: [["x-statex-forward-rule", ids[0]]] }]);
    expect((await inbound(spammer))?.status).toBe("quarantined");

    const buyer = unique("buyer");
    const none: Forwarded = [];
    await deliverMail(
      plainMail({ from: buyer, to: `sales@${at}`, text: "A quote for 20 seats, please." }),
      {
        from: buyer,
        to: `sales@${at}`,
      },
      { forwards: none },
    );
    expect(none).toEqual([]);
    expect((await inbound(buyer))?.status).toBe("pending");
  });

  it("forwards a copy with message.forward(), logs it, and the request goes on as usual", async () => {
    const { at, ids } = await routeWith([{ destination: "sales-desk@staff.example" }]);
    const from = unique("buyer");
    const forwards: Forwarded = [];
    const delivery = await deliverMail(
      plainMail({ from, to: `sales@${at}`, text: "A quote, please." }),
      { from, to: `sales@${at}` },
      { forwards },
    );
    expect(delivery.rejected).toBeNull();
    expect(forwards).toEqual([{ to: "sales-desk@staff.example", headers: [["x-statex-forward-rule", ids[0]]] }]);
    expect(delivery.replies).toHaveLength(1);
    expect((await inbound(from))?.status).toBe("pending");
    expect(await logOf(from)).toEqual([
      { rule_id: ids[0], destination: "sales-desk@staff.example", outcome: "forwarded", error: null },
    ]);
  });

  it("a rule that stops processing forwards only: no acknowledgement, no request, nothing kept", async () => {
    const { at } = await routeWith([{ stop: true }]);
    const from = unique("vendor");
    const forwards: Forwarded = [];
    const delivery = await deliverMail(
      plainMail({ from, to: `sales@${at}`, text: "Our catalogue." }),
      { from, to: `sales@${at}` },
      { forwards },
    );
    expect(delivery.rejected).toBeNull();
    expect(forwards).toHaveLength(1);
    expect(delivery.replies).toEqual([]);
    expect(await inbound(from)).toMatchObject({ status: "ignored", raw_key: null });
    expect((await inbound(from))?.reason).toMatch(/^forwarded only/);
  });

  it("matches by alias, sender domain and subject words; others are not forwarded", async () => {
    const { at } = await routeWith(
      [
        { matchAddress: "billing", destination: "accounts@staff.example" },
        { matchSenderDomain: "bigcustomer.example", destination: "key-accounts@staff.example" },
        { matchSubject: "urgent outage", destination: "oncall@staff.example" },
      ],
      "billing",
    );
    const cases: [string, string, string, string[]][] = [
      [`billing@${at}`, unique("payer"), "Invoice", ["accounts@staff.example"]],
      [
        `sales@${at}`,
        `ceo-${crypto.randomUUID().slice(0, 6)}@eu.bigcustomer.example`,
        "Hello",
        ["key-accounts@staff.example"],
      ],
      [`sales@${at}`, unique("ops"), "URGENT: outage in Brno", ["oncall@staff.example"]],
      [`sales@${at}`, unique("plain"), "Outages report", []],
    ];
    for (const [to, from, subject, expected] of cases) {
      const forwards: Forwarded = [];
      await deliverMail(plainMail({ from, to, subject, text: "Text." }), { from, to }, { forwards });
      expect(
        forwards.map((f) => f.to),
        `${to} ${from} ${subject}`,
      ).toEqual(expected);
    }
  });

  it("a redelivered message is not forwarded twice", async () => {
    const { at } = await routeWith([{}]);
    const from = unique("twice");
    const raw = plainMail({ from, to: `sales@${at}`, text: "Once." });
    const forwards: Forwarded = [];
    await deliverMail(raw, { from, to: `sales@${at}` }, { forwards });
    await deliverMail(raw, { from, to: `sales@${at}` }, { forwards });
    expect(forwards).toHaveLength(1);
    expect(await logOf(from)).toHaveLength(1);
  });

  it("a forward Email Routing refuses (unverified destination) is logged as failed and loses nothing", async () => {
    const { at } = await routeWith([{ destination: "new-hire@staff.example" }]);
    const from = unique("customer");
    const delivery = await deliverMail(
      plainMail({ from, to: `sales@${at}`, text: "Still here?" }),
      { from, to: `sales@${at}` },
      {
        unverified: ["new-hire@staff.example"],
      },
    );
    expect(delivery.rejected).toBeNull();
    expect(delivery.replies).toHaveLength(1);
    expect(await logOf(from)).toEqual([
      expect.objectContaining({ outcome: "failed", error: "destination address not verified" }),
    ]);
  });

  it("when every forward-only rule fails, the message is refused so its sender can try again", async () => {
    const { at } = await routeWith([{ destination: "gone@staff.example", stop: true }]);
    const from = unique("retry");
    const delivery = await deliverMail(
      plainMail({ from, to: `sales@${at}`, text: "Hello" }),
      { from, to: `sales@${at}` },
      {
        unverified: ["gone@staff.example"],
      },
    );
    expect(delivery.rejected).toMatch(
      /could not deliver this message to its mailbox right now .* Please try again later\./,
    );
    expect(delivery.replies).toEqual([]);
    expect(await inbound(from)).toMatchObject({ status: "rejected", reason: "forward failed" });
  });

  it("is never applied to bounces about our own mail", async () => {
    const { at } = await routeWith([{}]);
    const forwards: Forwarded = [];
    const dsn = [
      "From: Mail Delivery System <mailer-daemon@mx.example>",
      `To: sales@${at}`,
      "Subject: Undelivered Mail",
      `Message-ID: <${crypto.randomUUID()}@mx.example>`,
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      "",
      "--b",
      "Content-Type: text/plain",
      "",
      "Failed.",
      "--b",
      "Content-Type: message/delivery-status",
      "",
      "Reporting-MTA: dns; mx.example",
      "",
      "Final-Recipient: rfc822; someone@example.com",
      "Action: failed",
      "Status: 5.1.1",
      "--b--",
      "",
    ].join("\r\n");
    await deliverMail(dsn, { from: "", to: `sales@${at}` }, { forwards });
    expect(forwards).toEqual([]);
  });
});

describe("forwarding rules on the admin page", () => {
  it("refuses a destination that is no address, or one that comes back to StateX, and writes nothing", async () => {
    const admin = await signedInAs(unique("fwd-admin"), "admin");
    const { at, routeId } = await routeWith([]);
    const count = async () =>
      (
        await env.DB.prepare("SELECT count(*) AS n FROM mail_forward_rules WHERE route_id = ?")
          .bind(routeId)
          .first<{ n: number }>()
      )?.n;
    const form = { matchAddress: "", matchSenderDomain: "", matchSubject: "", matchVerdict: "", stop: "" };
    for (const [destination, status, problem] of [
      ["staff@", 422, "not a valid email address"],
      ["a@b.example, c@d.example", 422, "not a valid email address"],
      [`sales+x@${at}`, 409, "would loop"],
      ["requests@statex.localhost", 409, "would loop"],
    ] as const) {
      const page = await admin.page("/app/admin/mail");
      const res = await admin.post(`/app/admin/mail/routes/${routeId}/forwards`, { ...form, destination }, page);
      expect(res.status, destination).toBe(status);
      expect(await res.text()).toContain(problem);
    }
    expect(await count()).toBe(0);
    const page = await admin.page("/app/admin/mail");
    const ok = await admin.post(
      `/app/admin/mail/routes/${routeId}/forwards`,
      { ...form, destination: "desk@staff.example", stop: "on" },
      page,
    );
    expect(ok.status).toBe(303);
    expect(await count()).toBe(1);
    const audited = await env.DB.prepare(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'mail.forward_rule_added' AND actor_id IN (SELECT id FROM users WHERE email LIKE 'fwd-admin-%')",
    ).first<{ n: number }>();
    expect(audited?.n).toBeGreaterThanOrEqual(1);
  });

  it("shows each forward in the log, failures with their reason", async () => {
    const { at } = await routeWith([
      { destination: "fine@staff.example" },
      { destination: "unverified@staff.example" },
    ]);
    const from = unique("logged");
    await deliverMail(
      plainMail({ from, to: `sales@${at}`, subject: "Logged subject", text: "x" }),
      { from, to: `sales@${at}` },
      {
        unverified: ["unverified@staff.example"],
      },
    );
    const admin = await signedInAs(unique("log-admin"), "admin");
    const page = await admin.page("/app/admin/mail");
    expect(page).toContain("Logged subject");
    expect(page).toContain("fine@staff.example");
    expect(page).toContain("failed: destination address not verified");
  });
});

describe("the forward log is kept like other mail", () => {
  it("goes after the retention period, and with the account of its sender", async () => {
    const { at } = await routeWith([{}]);
    const kept = unique("kept");
    const user = await createUser(db(env.DB), { email: kept, verified: true });
    const old = unique("old");
    await deliverMail(plainMail({ from: kept, to: `sales@${at}`, text: "Mine" }), { from: kept, to: `sales@${at}` });
    await deliverMail(plainMail({ from: old, to: `sales@${at}`, text: "Old" }), { from: old, to: `sales@${at}` });
    expect(await logOf(kept)).toHaveLength(1);
    await deleteAccount(env, user?.id ?? "", createLogger({ correlationId: "t" }));
    expect(await logOf(kept)).toEqual([]);
    expect(await logOf(old)).toHaveLength(1);
    await sweepInbound(env, Date.now() + 31 * 86_400_000);
    expect(await logOf(old)).toEqual([]);
  });
});
