/**
 * The portal's notification area as the rest of the portal uses it: the pages (the user's
 * log and settings posts, the admin's deliveries, suppressions and templates) mounted as one
 * router, the profile's notification section, and the deliveries about one request.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { CHANNELS, type Channel, NOTIFICATION_EVENTS, type NotificationEvent } from "../../../shared/db/schema";
import { channelsFor, DESTINATION_CHANNELS, type DestinationChannel } from "../../../shared/notifications/preferences";
import { needsVerification } from "../../../shared/notifications/verification";
import { logWithTimelines } from "../../api/notifications/repo";
import { preferencesView } from "../../api/notifications/service";
import type { AppEnv } from "../../app-env";
import { Csrf } from "../kit";
import { Badge } from "../layout";
import { adminDeliveryPages } from "./admin-deliveries";
import { adminTemplatePages } from "./admin-templates";
import { CHANNEL_LABEL, eventLabel } from "./labels";
import { DeliveryTable, QuotaNotice } from "./parts";
import { userNotificationPages } from "./user";

/** Portal pages of notifications, mounted inside the signed-in `/app` routes. */
export const notificationPages = new Hono<AppEnv>()
  .route("/", userNotificationPages)
  .route("/", adminDeliveryPages)
  .route("/", adminTemplatePages);

const DESTINATION_HINT: Record<DestinationChannel, string> = {
  sms: "Phone number, international form (+420601234567)",
  whatsapp: "WhatsApp number, international form",
  telegram: "Telegram chat id (message our bot, then paste the id it replies with)",
  slack: "Slack incoming webhook URL (https://hooks.slack.com/services/…)",
  discord: "Discord webhook URL (https://discord.com/api/webhooks/…)",
};

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

/** The deliveries about one request, for its detail page. */
export async function RequestDeliveries(props: { c: Context<AppEnv>; submissionId: string; userId: string | null }) {
  const { c } = props;
  const admin = c.get("user").role === "admin";
  const { rows, lines } = await logWithTimelines(
    c.env.DB,
    { submissionId: props.submissionId, ...(admin ? {} : { userId: c.get("user").id }) },
    50,
  );
  if (rows.length === 0) return null;
  return (
    <div class="card">
      <h2>Notifications</h2>
      <DeliveryTable rows={rows} lines={lines} zone={c.get("user").timeZone} />
    </div>
  );
}
