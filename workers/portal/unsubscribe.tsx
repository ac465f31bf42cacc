/**
 * The unsubscribe page behind the link in every message to an account: it works without
 * signing in, reads the signed link, and switches that event (or every event) off on that
 * channel, audited as the recipient's own change.
 */
import { Hono } from "hono";
import { NOTIFICATION_EVENTS } from "../../shared/db/schema";
import { channelsFor, setPreferences } from "../../shared/notifications/preferences";
import { readUnsubscribeToken } from "../../shared/notifications/unsubscribe";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { Layout } from "./layout";
import { eventLabel } from "./notifications/labels";

function invalid(expired: boolean) {
  return (
    <Layout title="Unsubscribe">
      <main id="main">
        <div class="card narrow">
          <h1>This unsubscribe link does not work</h1>
          <p>
            {expired
              ? "The link has expired."
              : "The link is incomplete or was changed. Copy the whole address from the message."}{" "}
            You can always choose what we send you in your <a href="/app/profile">profile</a>.
          </p>
        </div>
      </main>
    </Layout>
  );
}

/**
 * `/u/unsubscribe/<token>`: works without signing in. GET shows what the link switches off and
 * asks to confirm (mail scanners follow GET links; they must not unsubscribe anyone); POST
 * switches it off — the form, and RFC 8058 one-click (`List-Unsubscribe=One-Click`) from mail
 * clients. `all=1` switches every event off on that channel.
 */
export const unsubscribeRoutes = new Hono<AppEnv>()
  .get("/unsubscribe/:token", async (c) => {
    const t = await readUnsubscribeToken(c.env, c.req.param("token"));
    if (t === null || t === "expired") return c.html(invalid(t === "expired"), 400);
    return c.html(
      <Layout title="Unsubscribe">
        <main id="main">
          <div class="card narrow">
            <h1>Unsubscribe</h1>
            <p>
              Stop “{eventLabel(t.event)}” messages on <strong>{t.channel}</strong>?
            </p>
            <form method="post">
              <label>
                <input type="checkbox" name="all" value="1" /> Stop every StateX message on {t.channel}
              </label>
              <p>
                <button type="submit">Unsubscribe</button>
              </p>
            </form>
          </div>
        </main>
      </Layout>,
    );
  })
  .post("/unsubscribe/:token", async (c) => {
    const t = await readUnsubscribeToken(c.env, c.req.param("token"));
    if (t === null || t === "expired") return c.html(invalid(t === "expired"), 400);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const all = form.all === "1";
    const events = all ? NOTIFICATION_EVENTS.filter((e) => channelsFor(e).includes(t.channel)) : [t.event];
    await setPreferences(
      c.env,
      t.userId,
      events.map((event) => ({ event, channel: t.channel, enabled: false })),
    );
    await audit(c, {
      actorType: "user",
      actorId: t.userId,
      action: "notification.unsubscribed",
      targetType: "user",
      targetId: t.userId,
      after: { channel: t.channel, events, oneClick: form["List-Unsubscribe"] === "One-Click" },
    });
    return c.html(
      <Layout title="Unsubscribed">
        <main id="main">
          <div class="card narrow">
            <h1>You are unsubscribed</h1>
            <p>
              {all
                ? `We will send you nothing more on ${t.channel}.`
                : `We will not send you “${eventLabel(t.event)}” messages on ${t.channel} any more.`}{" "}
              Changed your mind? Choose again in your <a href="/app/profile">profile</a>.
            </p>
          </div>
        </main>
      </Layout>,
    );
  });
