/**
 * What the notification API and the portal's notification pages both do: the preferences
 * view and saving it, setting, proving and removing destinations, the delivery log's views,
 * and the admin's re-drive, templates (save and preview with sample values) and suppression
 * list. Every change is audited here, once for both.
 */
import type { Context } from "hono";
import {
  CHANNELS,
  type Channel,
  LOCALES,
  type Locale,
  NOTIFICATION_EVENTS,
  type NotificationAttemptRow,
  type NotificationEvent,
  type NotificationRow,
  type Role,
  type SuppressionReason,
} from "../../../shared/db/schema";
import { ADAPTERS } from "../../../shared/notifications/channels";
import { redriveFailed } from "../../../shared/notifications/deliver";
import {
  channelsFor,
  type DestinationChannel,
  destinationsOf,
  eventsFor,
  preferencesOf,
  saveDestination,
  setDestination,
  setPreferences,
} from "../../../shared/notifications/preferences";
import { quotasOf } from "../../../shared/notifications/quota";
import { suppress, unsuppress } from "../../../shared/notifications/suppression";
import {
  defaultTemplate,
  loadTemplate,
  renderFor,
  TEMPLATE_VARS,
  type Template,
  toLocale,
} from "../../../shared/notifications/templates";
import { confirmCode, sendVerificationCode, type VerifiedChannel } from "../../../shared/notifications/verification";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { type LogFilter, searchLog, storedTemplates, timelines, upsertTemplate } from "./repo";

type Ctx = Context<AppEnv>;

/** One template: which event, channel and language it is for. */
export type TemplateKey = { event: NotificationEvent; channel: Channel; locale: Locale };

/** The preferences document of a user: every cell, destinations, today's quotas, channels on offer. */
export async function preferencesView(env: Env, user: { id: string; locale: string; role: Role }) {
  const matrix = await preferencesOf(env, user.id);
  return {
    preferences: eventsFor(user.role).flatMap((event) =>
      channelsFor(event).map((channel) => ({ event, channel, enabled: matrix[event][channel] === true })),
    ),
    destinations: (await destinationsOf(env, user.id)).map((d) => ({
      channel: d.channel,
      address: d.address,
      verified: d.verifiedAt !== null,
    })),
    quotas: await quotasOf(env, user.id),
    channels: CHANNELS.map((channel) => ({ channel, available: ADAPTERS[channel].configProblem(env) === null })),
    locale: toLocale(user.locale),
  };
}

/**
 * Switches the signed-in user's listed cells (the others keep their value) and audits them:
 * every listed cell (`auditUnchanged`, the API's explicit list), or only those that changed
 * (the portal's form, which lists them all), and nothing when none did.
 */
export async function savePreferences(
  c: Ctx,
  changes: { event: NotificationEvent; channel: Channel; enabled: boolean }[],
  { auditUnchanged }: { auditUnchanged: boolean },
): Promise<void> {
  const user = c.get("user");
  const before = await preferencesOf(c.env, user.id);
  const was = (p: { event: NotificationEvent; channel: Channel }) => before[p.event][p.channel] === true;
  await setPreferences(c.env, user.id, changes);
  const logged = auditUnchanged ? changes : changes.filter((p) => was(p) !== p.enabled);
  if (logged.length === 0) return;
  await audit(c, {
    action: "notification.preferences_changed",
    targetType: "user",
    targetId: user.id,
    before: logged.map((p) => ({ ...p, enabled: was(p) })),
    after: logged,
  });
}

/** Saves where a channel reaches the signed-in user (checked by `checkDestination`), sending a code when it needs proof. */
export async function saveDestinationOf(c: Ctx, channel: DestinationChannel, address: string) {
  return saveDestination(c.env, { userId: c.get("user").id, channel, address, log: c.get("log") }, (entry) =>
    audit(c, entry),
  );
}

/** Removes the signed-in user's destination on a channel (nothing to remove is fine). */
export async function removeDestination(c: Ctx, channel: DestinationChannel): Promise<void> {
  const user = c.get("user");
  await setDestination(c.env, user.id, channel, null);
  await audit(c, {
    action: "notification.destination_removed",
    targetType: "user",
    targetId: user.id,
    after: { channel },
  });
}

/**
 * Sends a fresh ownership code to the signed-in user's unverified destination; `none` when
 * the channel has no destination, `verified` when it needs no code.
 */
export async function resendCode(
  c: Ctx,
  channel: VerifiedChannel,
): Promise<{ status: "none" } | { status: "verified" } | { status: "sent"; address: string; expiresAt: number }> {
  const user = c.get("user");
  const current = (await destinationsOf(c.env, user.id)).find((d) => d.channel === channel);
  if (!current) return { status: "none" };
  if (current.verifiedAt !== null) return { status: "verified" };
  const sent = await sendVerificationCode(c.env, user.id, channel, current.address, c.get("log"));
  return { status: "sent", address: current.address, expiresAt: sent.expiresAt };
}

/** Proves the signed-in user's destination with the code sent to it; returns its address. */
export async function verifyDestination(c: Ctx, channel: VerifiedChannel, code: string): Promise<string> {
  const user = c.get("user");
  const { address } = await confirmCode(c.env, user.id, channel, code);
  await audit(c, {
    action: "notification.destination_verified",
    targetType: "user",
    targetId: user.id,
    after: { channel, address },
  });
  return address;
}

/** The recipient's view of a phone number or webhook: enough to recognise it, no more. */
export function maskAddress(channel: string, address: string): string {
  if (channel === "email") return address;
  if (channel === "slack" || channel === "discord")
    return `${address.slice(0, address.indexOf("/", 8) + 1)}…${address.slice(-4)}`;
  return address.length > 4 ? `${"•".repeat(Math.min(8, address.length - 4))}${address.slice(-4)}` : address;
}

/** The API view of one delivery and its timeline; `mask` hides most of the address (the user's own view). */
export function toDeliveryView(n: NotificationRow, timeline: NotificationAttemptRow[] = [], mask = true) {
  return {
    id: n.id,
    event: n.event,
    channel: n.channel,
    recipient: mask ? maskAddress(n.channel, n.recipient) : n.recipient,
    status: n.status,
    attempts: n.attempts,
    submissionId: n.submissionId,
    providerMessageId: n.providerMessageId,
    error: n.error,
    createdAt: new Date(n.createdAt).toISOString(),
    updatedAt: new Date(n.updatedAt).toISOString(),
    sentAt: n.sentAt === null ? null : new Date(n.sentAt).toISOString(),
    timeline: timeline.map((t) => ({
      status: t.status,
      attempt: t.attempt,
      at: new Date(t.at).toISOString(),
      providerMessageId: t.providerMessageId,
      error: t.error,
      httpStatus: t.httpStatus,
    })),
  };
}

/**
 * One page of the delivery log in API views, with the cursor of the next: the user's own
 * (addresses masked) or, for `admin`, anyone's with the recipient account's email.
 */
export async function deliveryPage(d1: D1Database, filter: LogFilter, limit: number, admin: boolean) {
  const rows = await searchLog(d1, filter, limit + 1);
  const page = rows.slice(0, limit);
  const lines = await timelines(
    d1,
    page.map((r) => r.n.id),
  );
  return {
    items: page.map((r) =>
      admin
        ? { ...toDeliveryView(r.n, lines.get(r.n.id), false), userEmail: r.userEmail }
        : toDeliveryView(r.n, lines.get(r.n.id)),
    ),
    nextBefore: rows.length > limit ? (page.at(-1)?.n.createdAt ?? null) : null,
  };
}

/** An admin's re-drive of failed deliveries (others are left alone); returns the ids queued again. */
export async function redrive(c: Ctx, ids: string[]): Promise<string[]> {
  const redriven = await redriveFailed(c.env, ids, `admin:${c.get("user").id}`);
  await audit(c, {
    action: "notification.redriven",
    targetType: "notification",
    targetId: redriven.length === 1 ? (redriven[0] ?? null) : null,
    before: { status: "failed", ids: redriven },
    after: { status: "queued", ids: redriven },
  });
  return redriven;
}

/** Sample values for template previews: every placeholder, with markup that must come out escaped. */
export const SAMPLE_VARS: Record<string, string> = {
  name: "Ada <Lovelace>",
  id: "sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
  link: "https://statex.example/app/requests/sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
  requestId: "req-7f3a",
  summary: "Deliveries were late twice; the supplier proposes *weekly* checks & a <penalty> clause.",
  result: "## Summary\n\nDeliveries were late twice.\n\n- Weekly checks\n- A penalty clause",
  reason: "The AI service is temporarily unavailable (HTTP 503).",
  time: "2026-11-25 18:00 UTC",
  keyName: "CI deploy",
  date: "2026-11-24",
  count: "2",
  items: "- sub_01…: Supplier review\n- sub_02…: Q3 plan",
};

/** Every template in force (stored, else the shipped default), per event, channel and locale. */
export async function templatesInForce(env: Env) {
  const rows = await storedTemplates(env.DB);
  return NOTIFICATION_EVENTS.flatMap((event) =>
    channelsFor(event).flatMap((channel) =>
      LOCALES.map((locale) => {
        const row = rows.find((r) => r.event === event && r.channel === channel && r.locale === locale);
        const t = row ?? defaultTemplate(event, channel, locale);
        return {
          event,
          channel,
          locale,
          subject: t.subject,
          body: t.body,
          variables: [...TEMPLATE_VARS[event]],
          updatedAt: row?.updatedAt ? new Date(row.updatedAt).toISOString() : null,
        };
      }),
    ),
  );
}

/** Saves a template's text (its placeholders checked by the caller), audited with the text before; returns when. */
export async function saveTemplate(c: Ctx, key: TemplateKey, text: Template): Promise<number> {
  const before = await loadTemplate(c.env, key.event, key.channel, key.locale);
  const now = Date.now();
  await upsertTemplate(c.env.DB, key, text, { userId: c.get("user").id, at: now });
  await audit(c, {
    action: "notification.template_updated",
    targetType: "notification_template",
    targetId: `${key.event}/${key.channel}/${key.locale}`,
    before: { subject: before.subject, body: before.body },
    after: { subject: text.subject, body: text.body },
  });
  return now;
}

/**
 * A template rendered exactly as its channel would send it, with `SAMPLE_VARS`: the draft's
 * subject and body where given, else the template in force.
 */
export async function previewTemplate(env: Env, key: TemplateKey, draft: { subject?: string; body?: string } = {}) {
  const current =
    draft.subject !== undefined && draft.body !== undefined
      ? { subject: draft.subject, body: draft.body }
      : await loadTemplate(env, key.event, key.channel, key.locale);
  return renderFor(
    key.channel,
    { subject: draft.subject ?? current.subject, body: draft.body ?? current.body },
    SAMPLE_VARS,
    { locale: key.locale, unsubscribeUrl: "https://statex.example/u/unsubscribe/sample" },
  );
}

/** An admin puts an address on the suppression list; false when it was there already. */
export async function suppressAddress(
  c: Ctx,
  entry: { channel: Channel; address: string; reason: SuppressionReason },
): Promise<boolean> {
  const added = await suppress(c.env, { ...entry, source: `admin:${c.get("user").id}` });
  await audit(c, {
    action: "notification.suppressed",
    targetType: "suppression",
    targetId: `${entry.channel}:${entry.address}`,
    after: entry,
  });
  return added;
}

/** An admin lifts a suppression; false (and nothing audited) when the address was not suppressed. */
export async function liftSuppression(c: Ctx, channel: Channel, address: string): Promise<boolean> {
  if (!(await unsuppress(c.env, channel, address))) return false;
  await audit(c, {
    action: "notification.unsuppressed",
    targetType: "suppression",
    targetId: `${channel}:${address}`,
    before: { channel, address },
  });
  return true;
}
