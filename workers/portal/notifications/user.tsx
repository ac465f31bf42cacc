/**
 * The signed-in user's notification pages: the delivery log (`/app/notifications`), and the
 * posts of the profile's notification section — the preferences matrix and each channel's
 * destination (save, remove, send a new code, verify). The work is the notification service's.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { HttpProblem } from "../../../shared/http/problem";
import { checkDestination, DESTINATION_CHANNELS } from "../../../shared/notifications/preferences";
import { quotasOf } from "../../../shared/notifications/quota";
import { needsVerification, VERIFIED_CHANNELS } from "../../../shared/notifications/verification";
import { logWithTimelines } from "../../api/notifications/repo";
import {
  preferencesView,
  removeDestination,
  resendCode,
  saveDestinationOf,
  savePreferences,
  verifyDestination,
} from "../../api/notifications/service";
import type { AppEnv } from "../../app-env";
import { formOf, pageFor, pick, str } from "../kit";
import { DeliveryTable, Filters, filterFrom, QuotaNotice } from "./parts";

const page = pageFor({});

/** A page saying why a destination action was refused, with the reason as its flash. */
function refusedPage(c: Context<AppEnv>, heading: string, reason: string, flash: string, status: number) {
  return page(
    c,
    "Notifications",
    "/app/profile",
    <div class="card narrow">
      <h1>{heading}</h1>
      <p>{reason}</p>
      <p>
        <a href="/app/profile#notifications">Back to your profile</a>
      </p>
    </div>,
    { kind: "bad", text: flash },
    status,
  );
}

/** A refused destination action (limits, wrong code, provider refusal) as a page; other errors rethrown. */
function problemPage(c: Context<AppEnv>, error: unknown) {
  if (!(error instanceof HttpProblem)) throw error;
  const text = error.errors?.[0]?.detail ?? error.message;
  const retry = error.headers?.["retry-after"];
  if (retry) c.header("retry-after", retry);
  const heading = error.status === 429 ? "Not now" : "That did not work";
  return refusedPage(c, heading, text.charAt(0).toUpperCase() + text.slice(1), text, error.status);
}

/** The user's notification pages, mounted inside the signed-in `/app` routes. */
export const userNotificationPages = new Hono<AppEnv>()
  .get("/notifications", async (c) => {
    const f = { ...filterFrom(c), userId: c.get("user").id };
    const { rows, lines } = await logWithTimelines(c.env.DB, f, 100);
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
    const view = await preferencesView(c.env, c.get("user"));
    // Only channels this deployment offers are on the form; the others keep their value.
    const offered = new Set(view.channels.filter((x) => x.available).map((x) => x.channel));
    const changes = view.preferences
      .filter((p) => offered.has(p.channel))
      .map((p) => ({ event: p.event, channel: p.channel, enabled: on.has(`${p.event}|${p.channel}`) }));
    await savePreferences(c, changes, { auditUnchanged: false });
    return c.redirect("/app/profile?m=saved#notifications", 303);
  })
  .post("/notifications/destinations/:channel", async (c) => {
    const body = await formOf(c);
    const channel = pick(DESTINATION_CHANNELS, c.req.param("channel"));
    if (!channel) return c.notFound();
    if (str(body.remove) === "1" || str(body.address).trim() === "") {
      await removeDestination(c, channel);
      return c.redirect("/app/profile?m=saved#notifications", 303);
    }
    const checked = checkDestination(channel, str(body.address));
    if (!checked.ok) return refusedPage(c, "That address does not work", checked.reason, checked.reason, 422);
    try {
      await saveDestinationOf(c, channel, checked.address);
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
    try {
      const sent = await resendCode(c, channel);
      if (sent.status !== "sent") return c.redirect("/app/profile#notifications", 303);
    } catch (error) {
      return problemPage(c, error);
    }
    return c.redirect(`/app/profile?m=saved#verify-${channel}`, 303);
  })
  .post("/notifications/destinations/:channel/verify", async (c) => {
    const body = await formOf(c);
    const channel = pick(VERIFIED_CHANNELS, c.req.param("channel"));
    if (!channel) return c.notFound();
    try {
      await verifyDestination(c, channel, str(body.code));
    } catch (error) {
      return problemPage(c, error);
    }
    return c.redirect("/app/profile?m=saved#notifications", 303);
  });
