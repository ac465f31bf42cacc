/**
 * Pieces the portal's notification pages share: the daily-quota notice, the delivery-log
 * table with its timelines, and the log's filter form and the filter it reads back.
 */
import type { Context } from "hono";
import {
  CHANNELS,
  type Channel,
  NOTIFICATION_EVENTS,
  NOTIFICATION_STATUSES,
  type NotificationEvent,
  type NotificationStatus,
} from "../../../shared/db/schema";
import type { LogFilter, LogRow } from "../../api/notifications/repo";
import { maskAddress } from "../../api/notifications/service";
import type { AppEnv } from "../../app-env";
import { pick } from "../kit";
import { Badge, Time } from "../layout";
import { CHANNEL_LABEL, eventLabel } from "./labels";

/** Says which paid channels reached today's quota (nothing more goes out on them until 00:00 UTC). */
export function QuotaNotice(props: { quotas: { channel: Channel; used: number; limit: number }[] }) {
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

/** The delivery log as a table; `admin` shows whole addresses with the account and re-drive boxes. */
export function DeliveryTable(props: {
  rows: LogRow[];
  lines: Map<string, { status: string; at: number; error: string | null; providerMessageId: string | null }[]>;
  zone: string;
  admin?: boolean;
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

/** The log filter of the page's query string (status, channel, event, days); unknown values ignored. */
export function filterFrom(c: Context<AppEnv>): LogFilter {
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

/** The filter form above a delivery log; `admin` adds the recipient and the days. */
export function Filters(props: { f: LogFilter; admin?: boolean; userEmail?: string }) {
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
