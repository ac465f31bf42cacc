/**
 * The delivery-log queries (workers/api/notifications/repo.ts, the provider-report lookup in
 * shared/notifications/status-reports.ts, the views in workers/api/notifications/service.ts) against the local D1: the
 * log's filters and cursor, timelines across D1's parameter limit, whose rows a user may
 * read, the lookup of a provider's report, and the masked view a recipient is shown.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { NotificationRow } from "../../shared/db/schema";
import { deliveryByProviderId } from "../../shared/notifications/status-reports";
import { VERIFICATION_EVENT } from "../../shared/notifications/verification";
import { ownDelivery, searchLog, timelines } from "../../workers/api/notifications/repo";
import { maskAddress, toDeliveryView } from "../../workers/api/notifications/service";
import { notificationRow, submissionRow, userRow } from "../helpers/rows";

const DAY = 86_400_000;
/** Noon UTC on 15 January 2030: a day of its own for the date filters. */
const NOON = Date.UTC(2030, 0, 15, 12);

const attempt = (notificationId: string, status: string, at: number, attemptNo = 1) =>
  env.DB.prepare("INSERT INTO notification_attempts (notification_id, status, attempt, at) VALUES (?, ?, ?, ?)").bind(
    notificationId,
    status,
    attemptNo,
    at,
  );

describe("searchLog", () => {
  it("filters by account, submission, status, channel and event, newest first, with the account's email", async () => {
    const user = await userRow();
    const first = await submissionRow({ user });
    const second = await submissionRow({ user });
    const t = Date.now();
    const n1 = await notificationRow({ userId: user.id, submissionId: first, channel: "email", createdAt: t });
    const n2 = await notificationRow({
      userId: user.id,
      submissionId: first,
      channel: "sms",
      status: "failed",
      createdAt: t + 1,
    });
    const n3 = await notificationRow({
      userId: user.id,
      submissionId: second,
      event: "submission.failed",
      status: "queued",
      createdAt: t + 2,
    });
    const n4 = await notificationRow({
      userId: user.id,
      event: "account.key_created",
      channel: "telegram",
      createdAt: t + 3,
    });
    await notificationRow({ userId: (await userRow()).id, createdAt: t + 4 }); // someone else's

    const ids = async (filter: Parameters<typeof searchLog>[1], limit = 10) =>
      (await searchLog(env.DB, filter, limit)).map((r) => r.n.id);
    const all = await searchLog(env.DB, { userId: user.id }, 10);
    expect(all.map((r) => r.n.id)).toEqual([n4, n3, n2, n1]);
    expect(all.every((r) => r.userEmail === user.email)).toBe(true);
    expect(await ids({ userId: user.id, submissionId: first })).toEqual([n2, n1]);
    expect(await ids({ userId: user.id, status: "failed" })).toEqual([n2]);
    expect(await ids({ userId: user.id, channel: "email" })).toEqual([n3, n1]);
    expect(await ids({ userId: user.id, event: "submission.failed" })).toEqual([n3]);
    expect(await ids({ submissionId: second, status: "queued", channel: "email" })).toEqual([n3]);
    // The cursor: rows created before it, and the limit.
    expect(await ids({ userId: user.id, before: t + 2 })).toEqual([n2, n1]);
    expect(await ids({ userId: user.id }, 2)).toEqual([n4, n3]);
  });

  it("takes a date-only `to` as the whole day, and full timestamps as they are", async () => {
    const user = await userRow();
    const dayStart = await notificationRow({ userId: user.id, createdAt: NOON - 12 * 3_600_000 });
    const noon = await notificationRow({ userId: user.id, createdAt: NOON });
    const lastMs = await notificationRow({ userId: user.id, createdAt: NOON + 12 * 3_600_000 - 1 });
    await notificationRow({ userId: user.id, createdAt: NOON + 12 * 3_600_000 }); // the next day
    await notificationRow({ userId: user.id, createdAt: NOON - DAY }); // the day before
    const ids = async (from?: string, to?: string) =>
      (await searchLog(env.DB, { userId: user.id, from, to }, 10)).map((r) => r.n.id);
    expect(await ids("2030-01-15", "2030-01-15")).toEqual([lastMs, noon, dayStart]);
    expect(await ids("2030-01-15T12:00:00Z", "2030-01-15T12:00:00Z")).toEqual([noon]);
    expect(await ids(undefined, "2030-01-15T11:59:59Z")).toHaveLength(2);
  });

  it("breaks a tie in time by id, and leaves the email empty for a row without an account", async () => {
    const submission = await submissionRow();
    const at = Date.now();
    const a = await notificationRow({ submissionId: submission, createdAt: at });
    const b = await notificationRow({ submissionId: submission, createdAt: at });
    const rows = await searchLog(env.DB, { submissionId: submission }, 10);
    expect(rows.map((r) => r.n.id)).toEqual([a, b].sort().reverse());
    expect(rows.map((r) => r.userEmail)).toEqual([null, null]);
  });
});

describe("timelines", () => {
  it("answers no ids with an empty map", async () => {
    expect((await timelines(env.DB, [])).size).toBe(0);
  });

  it("groups each row's entries, oldest first, and leaves out rows without any", async () => {
    const a = await notificationRow();
    const b = await notificationRow();
    const quiet = await notificationRow();
    const t = Date.now();
    await env.DB.batch([attempt(a, "sent", t + 10), attempt(a, "queued", t, 0), attempt(b, "retry", t + 5)]);
    const map = await timelines(env.DB, [a, b, quiet]);
    expect(map.get(a)?.map((e) => e.status)).toEqual(["queued", "sent"]);
    expect(map.get(b)?.map((e) => [e.status, e.attempt])).toEqual([["retry", 1]]);
    expect(map.has(quiet)).toBe(false);
  });

  it("reads more rows than one statement may bind", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) ids.push(await notificationRow());
    await env.DB.batch(ids.map((id, i) => attempt(id, "sent", 1_000 + i)));
    const map = await timelines(env.DB, ids);
    expect(map.size).toBe(130);
    expect(ids.every((id) => map.get(id)?.length === 1)).toBe(true);
  });
});

describe("ownDelivery", () => {
  it("gives a user their own row, and the same null for another's as for a made-up id", async () => {
    const owner = await userRow();
    const stranger = await userRow();
    const id = await notificationRow({ userId: owner.id });
    expect((await ownDelivery(env.DB, owner.id, id))?.id).toBe(id);
    expect(await ownDelivery(env.DB, stranger.id, id)).toBeNull();
    expect(await ownDelivery(env.DB, owner.id, "ntf_made-up")).toBeNull();
  });
});

describe("deliveryByProviderId", () => {
  it("finds a delivery by its provider message id on its own channel only, never an ownership code's", async () => {
    const ref = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    const sms = await notificationRow({ channel: "sms", providerMessageId: ref });
    expect((await deliveryByProviderId(env, "sms", ref))?.id).toBe(sms);
    expect(await deliveryByProviderId(env, "whatsapp", ref)).toBeNull();

    const codeRef = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    await notificationRow({ channel: "sms", providerMessageId: codeRef, event: VERIFICATION_EVENT });
    expect(await deliveryByProviderId(env, "sms", codeRef)).toBeNull();
  });
});

describe("maskAddress", () => {
  it("shows an email whole, a webhook's host and last characters, and only the end of a number or chat id", () => {
    expect(maskAddress("email", "ada@example.com")).toBe("ada@example.com");
    expect(maskAddress("slack", "https://hooks.slack.com/services/T000/B000/XXXXabcd")).toBe(
      "https://hooks.slack.com/…abcd",
    );
    expect(maskAddress("discord", "https://discord.com/api/webhooks/1/tok-wxyz")).toBe("https://discord.com/…wxyz");
    expect(maskAddress("sms", "+420601234567")).toBe("••••••••4567");
    expect(maskAddress("telegram", "424242")).toBe("••4242");
    expect(maskAddress("telegram", "4242")).toBe("4242");
  });
});

describe("toDeliveryView", () => {
  const row: NotificationRow = {
    id: "ntf_view",
    submissionId: null,
    userId: null,
    event: "submission.completed",
    channel: "sms",
    recipient: "+420601234567",
    status: "sent",
    attempts: 1,
    claimedUntil: null,
    providerMessageId: "SM1",
    error: null,
    createdAt: NOON,
    updatedAt: NOON + 1000,
    sentAt: null,
    locale: "en",
    correlationId: "c",
    chargedAt: null,
  };

  it("masks the recipient unless told not to, and gives times as ISO strings", () => {
    const view = toDeliveryView(row, [
      {
        id: 1,
        notificationId: row.id,
        status: "sent",
        attempt: 1,
        providerMessageId: "SM1",
        error: null,
        httpStatus: 201,
        at: NOON + 500,
      },
    ]);
    expect(view).toMatchObject({
      recipient: "••••••••4567",
      createdAt: "2030-01-15T12:00:00.000Z",
      updatedAt: "2030-01-15T12:00:01.000Z",
      sentAt: null,
    });
    expect(view.timeline).toEqual([
      {
        status: "sent",
        attempt: 1,
        at: "2030-01-15T12:00:00.500Z",
        providerMessageId: "SM1",
        error: null,
        httpStatus: 201,
      },
    ]);
    expect(toDeliveryView({ ...row, sentAt: NOON }, [], false)).toMatchObject({
      recipient: "+420601234567",
      sentAt: "2030-01-15T12:00:00.000Z",
      timeline: [],
    });
  });
});
