/**
 * The admin's template editor (`/app/admin/notifications/templates`): one template per event,
 * channel and language, its placeholders checked, previewed with sample values exactly as the
 * channel would send it, then saved. The work is the notification service's.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { CHANNELS, LOCALES, NOTIFICATION_EVENTS } from "../../../shared/db/schema";
import { channelsFor } from "../../../shared/notifications/preferences";
import { loadTemplate, TEMPLATE_VARS, unknownPlaceholders } from "../../../shared/notifications/templates";
import { previewTemplate, saveTemplate, type TemplateKey } from "../../api/notifications/service";
import type { AppEnv } from "../../app-env";
import { Csrf, formOf, pageFor, pick, str } from "../kit";
import type { Flash } from "../layout";
import { requireAdmin } from "../session";
import { CHANNEL_LABEL } from "./labels";

const page = pageFor({ "template-saved": { kind: "ok", text: "The template is saved." } });

/** The template editor's pages, mounted inside the signed-in `/app` routes. */
export const adminTemplatePages = new Hono<AppEnv>()
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
    await saveTemplate(c, key, draft);
    return c.redirect(
      `/app/admin/notifications/templates?event=${key.event}&channel=${key.channel}&locale=${key.locale}&m=template-saved`,
      303,
    );
  });

/** The template a form or query names, or null when it names none (or a channel the event does not use). */
function templateKey(event: string, channel: string, locale: string) {
  const e = pick(NOTIFICATION_EVENTS, event);
  const ch = pick(CHANNELS, channel);
  const l = pick(LOCALES, locale);
  if (!e || !ch || !l || !channelsFor(e).includes(ch)) return null;
  return { event: e, channel: ch, locale: l };
}

/** The template editor: pick a template, edit its text, preview it with sample values, save. */
async function TemplatesPage(
  c: Context<AppEnv>,
  flash: Flash | null,
  draft: { subject: string; body: string } | null,
  given?: TemplateKey | null,
  status = 200,
) {
  const key = given ??
    templateKey(
      c.req.query("event") ?? "submission.completed",
      c.req.query("channel") ?? "email",
      c.req.query("locale") ?? "en",
    ) ?? { event: "submission.completed" as const, channel: "email" as const, locale: "en" as const };
  const current = draft ?? (await loadTemplate(c.env, key.event, key.channel, key.locale));
  const preview = await previewTemplate(c.env, key, current);
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
