import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { db } from "../../shared/db/client";
import {
  CHANNELS,
  type Channel,
  LOCALES,
  type Locale,
  NOTIFICATION_EVENTS,
  NOTIFICATION_STATUSES,
  type NotificationEvent,
  type NotificationStatus,
  notificationTemplates,
  users,
} from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { redriveFailed } from "../../shared/notifications/deliver";
import {
  channelsFor,
  checkDestination,
  DESTINATION_CHANNELS,
  type DestinationChannel,
  destinationsOf,
  saveDestination,
  setDestination,
  setPreferences,
} from "../../shared/notifications/preferences";
import { quotasOf } from "../../shared/notifications/quota";
import { listSuppressions, suppress, unsuppress } from "../../shared/notifications/suppression";
import { loadTemplate, renderFor, TEMPLATE_VARS, unknownPlaceholders } from "../../shared/notifications/templates";
import {
  confirmCode,
  needsVerification,
  sendVerificationCode,
  VERIFIED_CHANNELS,
} from "../../shared/notifications/verification";
import { type LogFilter, maskAddress, searchLog, timelines } from "../api/notifications/repo";
import { preferencesView, SAMPLE_VARS } from "../api/notifications/routes";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { Csrf, type Flashes, formOf, pageFor, pick, str } from "./kit";
import { Badge, type Flash, Time } from "./layout";
import { requireAdmin } from "./session";
import { eventLabel } from "./unsubscribe";

const CHANNEL_LABEL: Record<Channel, string> = {
  email: "Email",
  sms: "SMS",
  whatsapp: "WhatsApp",
  telegram: "Telegram",
  slack: "Slack",
  discord: "Discord",
};

const DESTINATION_HINT: Record<DestinationChannel, string> = {
  sms: "Phone number, international form (+420601234567)",
  whatsapp: "WhatsApp number, international form",
  telegram: "Telegram chat id (message our bot, then paste the id it replies with)",
  slack: "Slack incoming webhook URL (https://hooks.slack.com/services/…)",
  discord: "Discord webhook URL (https://discord.com/api/webhooks/…)",
};

const flashes: Flashes = {
  "prefs-saved": { kind: "ok", text: "Your notification choices are saved." },
  "dest-saved": { kind: "ok", text: "Saved." },
  "dest-removed": { kind: "ok", text: "Removed." },
  redriven: { kind: "ok", text: "The failed deliveries are queued again." },
  "template-saved": { kind: "ok", text: "The template is saved." },
  suppressed: { kind: "ok", text: "The address is suppressed: nothing more goes to it." },
  unsuppressed: { kind: "ok", text: "The suppression is lifted." },
};

const page = pageFor(flashes);

/** A refused destination action (limits, wrong code, provider refusal) as a page; other errors rethrown. */
function problemPage(c: Context<AppEnv>, error: unknown) {
  if (!(error instanceof HttpProblem)) throw error;
  const text = error.errors?.[0]?.detail ?? error.message;
  const retry = error.headers?.["retry-after"];
  if (retry) c.header("retry-after", retry);
  return page(
    c,
    "Notifications",
    "/app/profile",
    <div class="card narrow">
      <h1>{error.status === 429 ? "Not now" : "That did not work"}</h1>
      <p>{text.charAt(0).toUpperCase() + text.slice(1)}</p>
      <p>
        <a href="/app/profile#notifications">Back to your profile</a>
      </p>
    </div>,
    { kind: "bad", text },
    error.status,
  );
}

/**
 * The profile's notification section: which events reach you on which channel, and where each
 * channel reaches you. Posts to `/app/notifications/preferences` and `/app/notifications/destinations`.
 */
export async function NotificationSettings(props: { c: Context<AppEnv> }) {
  const { c } = props;
  const view = await preferencesView(c.env, c.get("user"));
  const enabled = (e: NotificationEvent, ch: Channel) =>
    view.preferences.find((p) => p.event === e && p.channel === ch)?.enabled === true;
  const available = (ch: Channel) => view.channels.find((x) => x.channel === ch)?.available === true;
  const destination = (ch: Channel) => view.destinations.find((d) => d.channel === ch)?.address ?? "";
  const unverified = (ch: Channel) =>
    needsVerification(ch) && view.destinations.find((d) => d.channel === ch)?.verified === false;
  return (
    <>
      <QuotaNotice quotas={view.quotas} />
      <form class="card" method="post" action="/app/notifications/preferences" id="notifications">
        <Csrf c={c} />
        <h2>Notifications</h2>
        <p class="hint">
          Choose what we tell you, and where. A channel without an address below stays silent. Your{" "}
          <a href="/app/notifications">delivery log</a> shows every message we sent. The daily digest arrives at 07:00
          in your time zone ({c.get("user").timeZone}), with the requests completed the day before.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Event</th>
              {CHANNELS.map((ch) => (
                <th scope="col">{CHANNEL_LABEL[ch]}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {NOTIFICATION_EVENTS.map((e) => (
              <tr>
                <th scope="row">{eventLabel(e)}</th>
                {CHANNELS.map((ch) =>
                  channelsFor(e).includes(ch) && available(ch) ? (
                    <td>
                      <input
                        type="checkbox"
                        name="on"
                        value={`${e}|${ch}`}
                        checked={enabled(e, ch)}
                        aria-label={`${eventLabel(e)} by ${CHANNEL_LABEL[ch]}`}
                      />
                    </td>
                  ) : (
                    <td class="muted">—</td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
        <button type="submit">Save notification choices</button>
      </form>
      <div class="card">
        <h2>Where to reach you</h2>
        <p class="hint">Email goes to {c.get("user").email}.</p>
        {DESTINATION_CHANNELS.filter(available).map((ch) => (
          <form method="post" action={`/app/notifications/destinations/${ch}`} class="actions">
            <Csrf c={c} />
            <label for={`dest-${ch}`}>{CHANNEL_LABEL[ch]}</label>
            <input
              id={`dest-${ch}`}
              name="address"
              type="text"
              value={destination(ch)}
              placeholder={DESTINATION_HINT[ch]}
              aria-label={DESTINATION_HINT[ch]}
            />
            <button type="submit">Save</button>
            {destination(ch) ? (
              <button type="submit" name="remove" value="1" class="secondary">
                Remove
              </button>
            ) : null}
            {destination(ch) && needsVerification(ch) && !unverified(ch) ? <Badge status="verified" /> : null}
          </form>
        ))}
        {DESTINATION_CHANNELS.filter((ch) => available(ch) && unverified(ch)).map((ch) => (
          <div class="notice" id={`verify-${ch}`}>
            <p>
              {CHANNEL_LABEL[ch]} to {destination(ch)} is not verified yet: nothing is sent there until you enter the
              6-digit code we sent to it (valid 10 minutes).
            </p>
            <form method="post" action={`/app/notifications/destinations/${ch}/verify`} class="actions">
              <Csrf c={c} />
              <label for={`code-${ch}`}>Code</label>
              <input
                id={`code-${ch}`}
                name="code"
                type="text"
                inputmode="numeric"
                autocomplete="one-time-code"
                maxlength={10}
              />
              <button type="submit">Verify</button>
            </form>
            <form method="post" action={`/app/notifications/destinations/${ch}/code`} class="actions">
              <Csrf c={c} />
              <button type="submit" class="secondary">
                Send a new code
              </button>
            </form>
          </div>
        ))}
      </div>
    </>
  );
}

/** Says which paid channels reached today's quota (nothing more goes out on them until 00:00 UTC). */
function QuotaNotice(props: { quotas: { channel: Channel; used: number; limit: number }[] }) {
  const reached = props.quotas.filter((q) => q.used >= q.limit);
  if (reached.length === 0) return null;
  return (
    <div class="card notice bad" role="status">
      {reached.map((q) => (
        <p>
          Today's {CHANNEL_LABEL[q.channel]} quota ({q.limit} messages a day) is used up: nothing more is sent to you by{" "}
          {CHANNEL_LABEL[q.channel]} today, and no codes can be sent. It resets at 00:00 UTC.
        </p>
      ))}
    </div>
  );
}

type LogRow = Awaited<ReturnType<typeof searchLog>>[number];

function DeliveryTable(props: {
  rows: LogRow[];
  lines: Map<string, { status: string; at: number; error: string | null; providerMessageId: string | null }[]>;
  zone: string;
  admin?: boolean;
  c?: Context<AppEnv>;
}) {
  if (props.rows.length === 0) return <p class="muted">No notifications.</p>;
  return (
    <table>
      <thead>
        <tr>
          {props.admin ? <th scope="col">Re-drive</th> : null}
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Channel</th>
          <th scope="col">To</th>
          <th scope="col">Status</th>
          <th scope="col" class="opt">
            Timeline
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ n, userEmail }) => (
          <tr data-notification={n.id}>
            {props.admin ? (
              <td>
                {n.status === "failed" ? (
                  <input type="checkbox" name="id" value={n.id} form="redrive" aria-label={`Re-drive ${n.id}`} />
                ) : null}
              </td>
            ) : null}
            <td>
              <Time ms={n.createdAt} zone={props.zone} />
            </td>
            <td>
              {eventLabel(n.event as NotificationEvent)}
              {n.submissionId ? (
                <>
                  {" "}
                  <a class="mono" href={`/app/requests/${n.submissionId}`}>
                    {n.submissionId.slice(0, 12)}…
                  </a>
                </>
              ) : null}
            </td>
            <td>{CHANNEL_LABEL[n.channel as Channel] ?? n.channel}</td>
            <td class="mono">
              {props.admin
                ? `${n.recipient}${userEmail ? ` (${userEmail})` : ""}`
                : maskAddress(n.channel, n.recipient)}
            </td>
            <td>
              <Badge status={n.status} />
              {n.error ? <span class="meta"> {n.error}</span> : null}
            </td>
            <td class="opt">
              <ol class="timeline">
                {(props.lines.get(n.id) ?? []).map((t) => (
                  <li>
                    <span class="name">{t.status}</span> <Time ms={t.at} zone={props.zone} />
                    {t.providerMessageId ? <span class="meta mono"> {t.providerMessageId}</span> : null}
                    {t.error ? <span class="meta"> {t.error}</span> : null}
                  </li>
                ))}
              </ol>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The deliveries about one request, for its detail page. */
export async function RequestDeliveries(props: { c: Context<AppEnv>; submissionId: string; userId: string | null }) {
  const { c } = props;
  const admin = c.get("user").role === "admin";
  const rows = await searchLog(
    c.env.DB,
    { submissionId: props.submissionId, ...(admin ? {} : { userId: c.get("user").id }) },
    50,
  );
  if (rows.length === 0) return null;
  const lines = await timelines(
    c.env.DB,
    rows.map((r) => r.n.id),
  );
  return (
    <div class="card">
      <h2>Notifications</h2>
      <DeliveryTable rows={rows} lines={lines} zone={c.get("user").timeZone} />
    </div>
  );
}

function filterFrom(c: Context<AppEnv>): LogFilter {
  const q = (k: string) => c.req.query(k) || undefined;
  const day = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);
  return {
    status: pick(NOTIFICATION_STATUSES, q("status")) as NotificationStatus | undefined,
    channel: pick(CHANNELS, q("channel")),
    event: pick(NOTIFICATION_EVENTS, q("event")),
    from: day(q("from")),
    to: day(q("to")),
  };
}

function Filters(props: { f: LogFilter; admin?: boolean; userEmail?: string }) {
  const { f } = props;
  return (
    <form method="get" class="card filters">
      <label for="f-status">Status</label>
      <select id="f-status" name="status">
        <option value="">any</option>
        {NOTIFICATION_STATUSES.map((s) => (
          <option value={s} selected={f.status === s}>
            {s}
          </option>
        ))}
      </select>
      <label for="f-channel">Channel</label>
      <select id="f-channel" name="channel">
        <option value="">any</option>
        {CHANNELS.map((ch) => (
          <option value={ch} selected={f.channel === ch}>
            {CHANNEL_LABEL[ch]}
          </option>
        ))}
      </select>
      <label for="f-event">Event</label>
      <select id="f-event" name="event">
        <option value="">any</option>
        {NOTIFICATION_EVENTS.map((e) => (
          <option value={e} selected={f.event === e}>
            {eventLabel(e)}
          </option>
        ))}
      </select>
      {props.admin ? (
        <>
          <label for="f-user">User email</label>
          <input id="f-user" name="user" type="text" value={props.userEmail ?? ""} />
          <label for="f-from">From</label>
          <input id="f-from" name="from" type="date" value={f.from ?? ""} />
          <label for="f-to">To</label>
          <input id="f-to" name="to" type="date" value={f.to ?? ""} />
        </>
      ) : null}
      <button type="submit">Filter</button>
    </form>
  );
}

/** The suppression list on the admin page: newest entries, lift one, add one. */
async function Suppressions(props: { c: Context<AppEnv> }) {
  const { c } = props;
  const rows = await listSuppressions(c.env, undefined, 100);
  return (
    <div class="card" id="suppressions">
      <h2>Suppression list</h2>
      <p class="hint">Nothing is sent to these addresses, on any event. Newest 100.</p>
      {rows.length === 0 ? (
        <p class="muted">Empty.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Address</th>
              <th scope="col">Reason</th>
              <th scope="col" class="opt">
                Source
              </th>
              <th scope="col">Since</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <td>{CHANNEL_LABEL[r.channel]}</td>
                <td class="mono">{r.address}</td>
                <td>{r.reason}</td>
                <td class="opt mono">{r.source}</td>
                <td>
                  <Time ms={r.createdAt} zone={c.get("user").timeZone} />
                </td>
                <td>
                  <form method="post" action="/app/admin/notifications/suppressions">
                    <Csrf c={c} />
                    <input type="hidden" name="channel" value={r.channel} />
                    <input type="hidden" name="address" value={r.address} />
                    <button type="submit" name="action" value="lift" class="secondary">
                      Lift
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action="/app/admin/notifications/suppressions" class="actions">
        <Csrf c={c} />
        <label for="s-channel">Channel</label>
        <select id="s-channel" name="channel">
          {CHANNELS.map((ch) => (
            <option value={ch}>{CHANNEL_LABEL[ch]}</option>
          ))}
        </select>
        <label for="s-address">Address</label>
        <input id="s-address" name="address" type="text" />
        <button type="submit" name="action" value="add">
          Suppress
        </button>
      </form>
    </div>
  );
}

/** Portal pages of notifications, mounted inside the signed-in `/app` routes. */
export const notificationPages = new Hono<AppEnv>()
  .get("/notifications", async (c) => {
    const f = { ...filterFrom(c), userId: c.get("user").id };
    const rows = await searchLog(c.env.DB, f, 100);
    const lines = await timelines(
      c.env.DB,
      rows.map((r) => r.n.id),
    );
    return page(
      c,
      "Notifications",
      "/app/profile",
      <>
        <h1>Notifications</h1>
        <p>
          Every message we sent you, newest first. Choose what you get in your{" "}
          <a href="/app/profile#notifications">profile</a>.
        </p>
        <QuotaNotice quotas={await quotasOf(c.env, c.get("user").id)} />
        <Filters f={f} />
        <div class="card">
          <DeliveryTable rows={rows} lines={lines} zone={c.get("user").timeZone} />
        </div>
      </>,
    );
  })
  .post("/notifications/preferences", async (c) => {
    const body = await formOf(c);
    const on = new Set((Array.isArray(body.on) ? body.on : body.on ? [body.on] : []).map(str));
    const user = c.get("user");
    const view = await preferencesView(c.env, user);
    // Only channels this deployment offers are on the form; the others keep their value.
    const offered = new Set(view.channels.filter((x) => x.available).map((x) => x.channel));
    const changes = view.preferences
      .filter((p) => offered.has(p.channel))
      .map((p) => ({ event: p.event, channel: p.channel, enabled: on.has(`${p.event}|${p.channel}`) }));
    await setPreferences(c.env, user.id, changes);
    const changed = changes.filter(
      (ch) => view.preferences.find((p) => p.event === ch.event && p.channel === ch.channel)?.enabled !== ch.enabled,
    );
    if (changed.length) {
      await audit(c, {
        action: "notification.preferences_changed",
        targetType: "user",
        targetId: user.id,
        before: changed.map((ch) => ({ ...ch, enabled: !ch.enabled })),
        after: changed,
      });
    }
    return c.redirect("/app/profile?m=saved#notifications", 303);
  })
  .post("/notifications/destinations/:channel", async (c) => {
    const body = await formOf(c);
    const channel = pick(DESTINATION_CHANNELS, c.req.param("channel"));
    if (!channel) return c.notFound();
    const user = c.get("user");
    if (str(body.remove) === "1" || str(body.address).trim() === "") {
      await setDestination(c.env, user.id, channel, null);
      await audit(c, {
        action: "notification.destination_removed",
        targetType: "user",
        targetId: user.id,
        after: { channel },
      });
      return c.redirect("/app/profile?m=saved#notifications", 303);
    }
    const checked = checkDestination(channel, str(body.address));
    if (!checked.ok) {
      return page(
        c,
        "Notifications",
        "/app/profile",
        <div class="card narrow">
          <h1>That address does not work</h1>
          <p>{checked.reason}</p>
          <p>
            <a href="/app/profile#notifications">Back to your profile</a>
          </p>
        </div>,
        { kind: "bad", text: checked.reason },
        422,
      );
    }
    try {
      await saveDestination(c.env, { userId: user.id, channel, address: checked.address, log: c.get("log") }, (entry) =>
        audit(c, entry),
      );
    } catch (error) {
      return problemPage(c, error);
    }
    return c.redirect(
      `/app/profile?m=saved#${needsVerification(channel) ? `verify-${channel}` : "notifications"}`,
      303,
    );
  })
  .post("/notifications/destinations/:channel/code", async (c) => {
    await formOf(c);
    const channel = pick(VERIFIED_CHANNELS, c.req.param("channel"));
    if (!channel) return c.notFound();
    const user = c.get("user");
    const current = (await destinationsOf(c.env, user.id)).find((d) => d.channel === channel);
    if (!current || current.verifiedAt !== null) return c.redirect("/app/profile#notifications", 303);
    try {
      await sendVerificationCode(c.env, user.id, channel, current.address, c.get("log"));
    } catch (error) {
      return problemPage(c, error);
    }
    return c.redirect(`/app/profile?m=saved#verify-${channel}`, 303);
  })
  .post("/notifications/destinations/:channel/verify", async (c) => {
    const body = await formOf(c);
    const channel = pick(VERIFIED_CHANNELS, c.req.param("channel"));
    if (!channel) return c.notFound();
    const user = c.get("user");
    try {
      const { address } = await confirmCode(c.env, user.id, channel, str(body.code));
      await audit(c, {
        action: "notification.destination_verified",
        targetType: "user",
        targetId: user.id,
        after: { channel, address },
      });
    } catch (error) {
      return problemPage(c, error);
    }
    return c.redirect("/app/profile?m=saved#notifications", 303);
  })
  .get("/admin/notifications", requireAdmin, async (c) => {
    const f = filterFrom(c);
    const userEmail = (c.req.query("user") ?? "").trim().toLowerCase();
    let userId: string | undefined;
    if (userEmail) {
      const [u] = await db(c.env.DB).select({ id: users.id }).from(users).where(eq(users.email, userEmail)).limit(1);
      userId = u?.id ?? "—none—";
    }
    const rows = await searchLog(c.env.DB, { ...f, userId }, 200);
    const lines = await timelines(
      c.env.DB,
      rows.map((r) => r.n.id),
    );
    return page(
      c,
      "Notifications (admin)",
      "/app/admin",
      <>
        <p>
          <a href="/app/admin">← Admin</a> · <a href="/app/admin/notifications/templates">Templates</a>
        </p>
        <h1>Notifications</h1>
        <Filters f={f} admin userEmail={userEmail} />
        <form method="post" action="/app/admin/notifications/redrive" id="redrive" class="actions">
          <Csrf c={c} />
          <button type="submit">Re-drive the checked failed deliveries</button>
        </form>
        <div class="card">
          <DeliveryTable rows={rows} lines={lines} zone={c.get("user").timeZone} admin />
        </div>
        <Suppressions c={c} />
      </>,
    );
  })
  .post("/admin/notifications/suppressions", requireAdmin, async (c) => {
    const body = await formOf(c);
    const channel = pick(CHANNELS, str(body.channel));
    const address = str(body.address).trim();
    if (!channel || !address) return c.redirect("/app/admin/notifications", 303);
    if (str(body.action) === "lift") {
      if (await unsuppress(c.env, channel, address)) {
        await audit(c, {
          action: "notification.unsuppressed",
          targetType: "suppression",
          targetId: `${channel}:${address}`,
          before: { channel, address },
        });
      }
      return c.redirect("/app/admin/notifications?m=unsuppressed#suppressions", 303);
    }
    await suppress(c.env, { channel, address, reason: "manual", source: `admin:${c.get("user").id}` });
    await audit(c, {
      action: "notification.suppressed",
      targetType: "suppression",
      targetId: `${channel}:${address}`,
      after: { channel, address, reason: "manual" },
    });
    return c.redirect("/app/admin/notifications?m=suppressed#suppressions", 303);
  })
  .post("/admin/notifications/redrive", requireAdmin, async (c) => {
    const body = await formOf(c);
    const ids = (Array.isArray(body.id) ? body.id : body.id ? [body.id] : []).map(str).filter(Boolean).slice(0, 200);
    const redriven = await redriveFailed(c.env, ids, `admin:${c.get("user").id}`);
    await audit(c, {
      action: "notification.redriven",
      targetType: "notification",
      targetId: redriven.length === 1 ? (redriven[0] ?? null) : null,
      before: { status: "failed", ids: redriven },
      after: { status: "queued", ids: redriven },
    });
    return c.redirect("/app/admin/notifications?m=redriven", 303);
  })
  .get("/admin/notifications/templates", requireAdmin, async (c) => TemplatesPage(c, null, null))
  .post("/admin/notifications/templates", requireAdmin, async (c) => {
    const body = await formOf(c);
    const draft = { subject: str(body.subject), body: str(body.body) };
    const key = templateKey(str(body.event), str(body.channel), str(body.locale));
    if (!key) return c.notFound();
    const unknown = [...unknownPlaceholders(key.event, draft.subject), ...unknownPlaceholders(key.event, draft.body)];
    if (unknown.length || !draft.body.trim()) {
      const text = unknown.length
        ? `Unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(", ")}.`
        : "The text must not be empty.";
      return TemplatesPage(c, { kind: "bad", text }, draft, key, 422);
    }
    if (str(body.action) !== "save")
      return TemplatesPage(c, { kind: "info", text: "Preview only: not saved yet." }, draft, key);
    const before = await loadTemplate(c.env, key.event, key.channel, key.locale);
    const now = Date.now();
    const user = c.get("user");
    await db(c.env.DB)
      .insert(notificationTemplates)
      .values({ ...key, ...draft, updatedAt: now, updatedBy: user.id })
      .onConflictDoUpdate({
        target: [notificationTemplates.event, notificationTemplates.channel, notificationTemplates.locale],
        set: { ...draft, updatedAt: now, updatedBy: user.id },
      });
    await audit(c, {
      action: "notification.template_updated",
      targetType: "notification_template",
      targetId: `${key.event}/${key.channel}/${key.locale}`,
      before,
      after: draft,
    });
    return c.redirect(
      `/app/admin/notifications/templates?event=${key.event}&channel=${key.channel}&locale=${key.locale}&m=template-saved`,
      303,
    );
  });

function templateKey(event: string, channel: string, locale: string) {
  const e = pick(NOTIFICATION_EVENTS, event);
  const ch = pick(CHANNELS, channel);
  const l = pick(LOCALES, locale);
  if (!e || !ch || !l || !channelsFor(e).includes(ch)) return null;
  return { event: e, channel: ch, locale: l };
}

async function TemplatesPage(
  c: Context<AppEnv>,
  flash: Flash | null,
  draft: { subject: string; body: string } | null,
  given?: { event: NotificationEvent; channel: Channel; locale: Locale } | null,
  status = 200,
) {
  const key = given ??
    templateKey(
      c.req.query("event") ?? "submission.completed",
      c.req.query("channel") ?? "email",
      c.req.query("locale") ?? "en",
    ) ?? { event: "submission.completed" as const, channel: "email" as const, locale: "en" as const };
  const current = draft ?? (await loadTemplate(c.env, key.event, key.channel, key.locale));
  const preview = renderFor(key.channel, current, SAMPLE_VARS, {
    locale: key.locale,
    unsubscribeUrl: "https://statex.example/u/unsubscribe/sample",
  });
  return page(
    c,
    "Notification templates",
    "/app/admin",
    <>
      <p>
        <a href="/app/admin/notifications">← Notifications</a>
      </p>
      <h1>Notification templates</h1>
      <form method="get" class="card filters">
        <label for="t-event">Event</label>
        <select id="t-event" name="event">
          {NOTIFICATION_EVENTS.map((e) => (
            <option value={e} selected={key.event === e}>
              {e}
            </option>
          ))}
        </select>
        <label for="t-channel">Channel</label>
        <select id="t-channel" name="channel">
          {CHANNELS.map((ch) => (
            <option value={ch} selected={key.channel === ch}>
              {CHANNEL_LABEL[ch]}
            </option>
          ))}
        </select>
        <label for="t-locale">Language</label>
        <select id="t-locale" name="locale">
          {LOCALES.map((l) => (
            <option value={l} selected={key.locale === l}>
              {l}
            </option>
          ))}
        </select>
        <button type="submit">Open</button>
      </form>
      <form method="post" action="/app/admin/notifications/templates" class="card">
        <Csrf c={c} />
        <input type="hidden" name="event" value={key.event} />
        <input type="hidden" name="channel" value={key.channel} />
        <input type="hidden" name="locale" value={key.locale} />
        <h2>
          {key.event} · {CHANNEL_LABEL[key.channel]} · {key.locale}
        </h2>
        <p class="hint">
          Placeholders: {TEMPLATE_VARS[key.event].map((v) => `{{${v}}}`).join(" ")} — values are escaped for the
          channel.
        </p>
        <label for="t-subject">Subject{key.channel === "email" ? "" : " (title)"}</label>
        <input id="t-subject" name="subject" type="text" value={current.subject} />
        <label for="t-body">Text</label>
        <textarea id="t-body" name="body" rows={10}>
          {current.body}
        </textarea>
        <p class="actions">
          <button type="submit" name="action" value="preview" class="secondary">
            Preview
          </button>
          <button type="submit" name="action" value="save">
            Save
          </button>
        </p>
      </form>
      <div class="card" data-template-preview>
        <h2>Preview (sample values)</h2>
        <p>
          <strong>{preview.subject}</strong>
        </p>
        <pre class="preview">{preview.text}</pre>
        {preview.html ? <iframe title="Email preview" sandbox="" class="preview" srcdoc={preview.html} /> : null}
      </div>
    </>,
    flash,
    status,
  );
}
