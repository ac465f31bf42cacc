import { Hono } from "hono";
import { CHANNELS, type Channel, NOTIFICATION_EVENTS, type NotificationEvent } from "../../shared/db/schema";
import { channelsFor, setPreferences } from "../../shared/notifications/preferences";
import { readToken } from "../../shared/signing";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { Layout } from "./layout";

type Target = { userId: string; event: NotificationEvent; channel: Channel };

/** Reads an unsubscribe token (`<user id>~<event, . as ->~<channel>`, signed, expiring). */
async function target(env: Env, token: string): Promise<Target | "expired" | null> {
  const key = env.SIGNING_KEY;
  if (!key) return null;
  const check = await readToken(key, "unsubscribe", token);
  if (check.status === "expired") return "expired";
  if (check.status !== "ok") return null;
  const [userId, event, channel] = check.subject.split("~");
  const ev = event?.replace("-", ".");
  if (!userId || !(NOTIFICATION_EVENTS as readonly string[]).includes(ev ?? "")) return null;
  if (!(CHANNELS as readonly string[]).includes(channel ?? "")) return null;
  return { userId, event: ev as NotificationEvent, channel: channel as Channel };
}

const EVENT_LABEL: Record<NotificationEvent, string> = {
  "submission.received": "request received",
  "submission.completed": "result ready",
  "submission.failed": "request failed",
  "submission.cancelled": "request cancelled",
  "submission.needs_review": "request waits for review",
  "account.password_changed": "password changed",
  "account.api_key_created": "API key created",
  "digest.daily": "daily digest",
};
export const eventLabel = (e: NotificationEvent) => EVENT_LABEL[e];

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
    const t = await target(c.env, c.req.param("token"));
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
    const t = await target(c.env, c.req.param("token"));
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
