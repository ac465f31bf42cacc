/**
 * The admin's notification page (`/app/admin/notifications`): every delivery with filters
 * (status, channel, event, recipient's email, days), re-drive of the checked failed ones, and
 * the suppression list (lift an entry, add one). The work is the notification service's.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { CHANNELS } from "../../../shared/db/schema";
import { listSuppressions } from "../../../shared/notifications/suppression";
import { logWithTimelines, userIdByEmail } from "../../api/notifications/repo";
import { liftSuppression, redrive, suppressAddress } from "../../api/notifications/service";
import type { AppEnv } from "../../app-env";
import { Csrf, formOf, pageFor, pick, str } from "../kit";
import { Time } from "../layout";
import { requireAdmin } from "../session";
import { CHANNEL_LABEL } from "./labels";
import { DeliveryTable, Filters, filterFrom } from "./parts";

const page = pageFor({
  redriven: { kind: "ok", text: "The failed deliveries are queued again." },
  suppressed: { kind: "ok", text: "The address is suppressed: nothing more goes to it." },
  unsuppressed: { kind: "ok", text: "The suppression is lifted." },
});

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

/** The admin's deliveries and suppressions pages, mounted inside the signed-in `/app` routes. */
export const adminDeliveryPages = new Hono<AppEnv>()
  .get("/admin/notifications", requireAdmin, async (c) => {
    const f = filterFrom(c);
    const userEmail = (c.req.query("user") ?? "").trim().toLowerCase();
    // An unknown email matches no one (not everyone).
    const userId = userEmail ? ((await userIdByEmail(c.env.DB, userEmail)) ?? "—none—") : undefined;
    const { rows, lines } = await logWithTimelines(c.env.DB, { ...f, userId }, 200);
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
      await liftSuppression(c, channel, address);
      return c.redirect("/app/admin/notifications?m=unsuppressed#suppressions", 303);
    }
    await suppressAddress(c, { channel, address, reason: "manual" });
    return c.redirect("/app/admin/notifications?m=suppressed#suppressions", 303);
  })
  .post("/admin/notifications/redrive", requireAdmin, async (c) => {
    const body = await formOf(c);
    const ids = (Array.isArray(body.id) ? body.id : body.id ? [body.id] : []).map(str).filter(Boolean).slice(0, 200);
    await redrive(c, ids);
    return c.redirect("/app/admin/notifications?m=redriven", 303);
  });
