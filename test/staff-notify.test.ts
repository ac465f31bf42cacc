/**
 * `staff.new_request`: a customer's request tells every member of staff (and admin) on the
 * channels each chose, through the notification engine — never the customer, never a plain
 * user, never the sender about their own request, and never someone who switched it off.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { setPreferences } from "../shared/notifications/preferences";
import { createUser } from "../workers/auth/service";
import { api, apiKeyFor, postSubmission } from "./helpers/api";
import { sentMailTo } from "./helpers/mail";
import { drainQueue } from "./helpers/queues";

let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${counter++}@example.com`;

async function account(role: "user" | "staff" | "admin", verified = true) {
  const email = uniqueEmail(role);
  const user = await createUser(db(env.DB), { email, role, verified });
  if (!user) throw new Error("no user");
  return user;
}

const staffRows = (submissionId: string) =>
  env.DB.prepare(
    "SELECT user_id, recipient, channel, status FROM notifications WHERE submission_id = ? AND event = 'staff.new_request'",
  )
    .bind(submissionId)
    .all<{ user_id: string; recipient: string; channel: string; status: string }>()
    .then((r) => r.results);

/** Posts a request as `senderEmail` and runs every notification the post queued to its end. */
async function postAndDrain(senderEmail: string, text: string) {
  let id = "";
  const drained = await drainQueue("statex-notifications", env.NOTIFICATIONS, async () => {
    const res = await postSubmission({ text }, { authorization: `Bearer ${await apiKeyFor(senderEmail)}` });
    expect(res.status).toBe(202);
    id = ((await res.json()) as { id: string }).id;
  });
  expect(drained.retried).toEqual([]);
  return id;
}

describe("staff are told of new requests", () => {
  it("mails every active member of staff and admin with the request's link and customer, and nobody else", async () => {
    const staff = await account("staff");
    const admin = await account("admin");
    const plain = await account("user");
    const unverified = await account("staff", false);
    const customer = uniqueEmail("customer");
    const id = await postAndDrain(customer, "We need online booking with SMS reminders for three clinics.");

    const rows = await staffRows(id);
    const told = new Set(rows.map((r) => r.user_id));
    expect(told.has(staff.id)).toBe(true);
    expect(told.has(admin.id)).toBe(true);
    expect(told.has(plain.id)).toBe(false);
    expect(told.has(unverified.id)).toBe(false);
    // To the member's own address, never the customer's.
    expect(rows.find((r) => r.user_id === staff.id)).toMatchObject({
      recipient: staff.email,
      channel: "email",
      status: "sent",
    });
    expect(rows.some((r) => r.recipient === customer)).toBe(false);

    const mail = await sentMailTo(staff.email);
    expect(mail.subject).toBe(`New request from ${customer} (${id})`);
    expect(mail.text).toContain(`/app/desk/${id}`);
    expect(mail.text).toContain("online booking with SMS reminders");
    expect(mail.inReplyTo).toBeUndefined();
  });

  it("leaves out whoever switched it off, and the sender of their own request", async () => {
    const quiet = await account("staff");
    await setPreferences(env, quiet.id, [{ event: "staff.new_request", channel: "email", enabled: false }]);
    const sender = await account("staff");
    const listening = await account("staff");
    const own = await postAndDrain(sender.email, "A request sent by a member of staff themselves.");
    const toldOfOwn = (await staffRows(own)).map((r) => r.user_id);
    expect(toldOfOwn).toContain(listening.id);
    expect(toldOfOwn).not.toContain(sender.id);
    expect(toldOfOwn).not.toContain(quiet.id);

    const other = await postAndDrain(uniqueEmail("customer"), "Another customer's request.");
    const told = (await staffRows(other)).map((r) => r.user_id);
    expect(told).toContain(sender.id);
    expect(told).not.toContain(quiet.id);
  });

  it("shows the event in staff's settings only, and keeps staff deliveries out of the customer's log", async () => {
    const customer = uniqueEmail("customer");
    const id = await postAndDrain(customer, "Is my request visible to your team?");
    const customerKey = await apiKeyFor(customer);
    const prefs = (await (await api(customerKey, "GET", "/v1/notifications/preferences")).json()) as {
      preferences: { event: string }[];
    };
    expect(prefs.preferences.some((p) => p.event === "staff.new_request")).toBe(false);
    const log = (await (await api(customerKey, "GET", `/v1/notifications?submissionId=${id}`)).json()) as {
      items: { event: string }[];
    };
    expect(log.items.every((n) => n.event !== "staff.new_request")).toBe(true);

    const staffKey = await apiKeyFor(uniqueEmail("staffprefs"), { role: "staff" });
    const staffPrefs = (await (await api(staffKey, "GET", "/v1/notifications/preferences")).json()) as {
      preferences: { event: string; channel: string; enabled: boolean }[];
    };
    expect(staffPrefs.preferences).toContainEqual({ event: "staff.new_request", channel: "email", enabled: true });
  });
});
