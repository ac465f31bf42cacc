import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { postSubmission, waitForStatus } from "./helpers/api";
import { fakeProviders, providerOk } from "./helpers/fake-providers";
import { capturingCodes } from "./helpers/notify";
import { signedInAs } from "./helpers/session";

afterEach(() => {
  vi.restoreAllMocks();
});

const prefs = async (email: string) =>
  (
    await env.DB.prepare(
      "SELECT p.event, p.channel, p.enabled FROM notification_preferences p JOIN users u ON u.id = p.user_id WHERE u.email = ? AND p.enabled = 1 ORDER BY p.event, p.channel",
    )
      .bind(email)
      .all()
  ).results;

describe("flash messages", () => {
  it("shows an area's message for its ?m= code, and nothing for a name Object.prototype has", async () => {
    const client = await signedInAs("flash-codes@example.com", "admin");
    const templates = "/app/admin/notifications/templates";
    expect(await client.page(`${templates}?m=template-saved`)).toContain('class="flash');
    for (const code of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(await client.page(`${templates}?m=${code}`)).not.toContain('class="flash');
      expect(await client.page(`/app/notifications?m=${code}`)).not.toContain('class="flash');
    }
  });
});

describe("notification settings in the profile", () => {
  it("saves channel choices and destinations, refuses a bad address, and the result goes out on them", async () => {
    const calls = fakeProviders(providerOk);
    const client = await signedInAs("portal-prefs@example.com");
    const profile = await client.page("/app/profile");
    expect(profile).toContain('id="notifications"');
    // Email is on by default for completed results.
    expect(profile).toMatch(/value="submission\.completed\|email"[^>]*checked/);

    const bad = await client.post("/app/notifications/destinations/sms", { address: "0601 23" }, profile);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("international form");
    // Saving sends an ownership code (captured apart from `calls`); the profile asks for it.
    let saved = new Response();
    const [code] = await capturingCodes(async () => {
      saved = await client.post("/app/notifications/destinations/sms", { address: "+420 601 234 567" }, profile);
    });
    expect(saved.status).toBe(303);
    expect(await client.page("/app/profile")).toContain("is not verified yet");
    const verified = await client.post("/app/notifications/destinations/sms/verify", { code: code ?? "" }, profile);
    expect(verified.status).toBe(303);

    const form = await client.post(
      "/app/notifications/preferences",
      { on: ["submission.completed|email", "submission.completed|sms", "submission.failed|email"] },
      profile,
    );
    expect(form.status).toBe(303);
    expect(await prefs("portal-prefs@example.com")).toEqual([
      { event: "submission.completed", channel: "email", enabled: 1 },
      { event: "submission.completed", channel: "sms", enabled: 1 },
      { event: "submission.failed", channel: "email", enabled: 1 },
    ]);
    // A form without its CSRF token changes nothing.
    const forged = await client.post("/app/notifications/preferences", { on: [], _csrf: "forged" });
    expect(forged.status).toBe(403);

    const res = await postSubmission({
      text: "Summarise the supplier review, please.",
      email: "portal-prefs@example.com",
    });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    await vi.waitFor(
      () => {
        if (!calls.some((c) => c.url.includes("api.twilio.com"))) throw new Error("no SMS yet");
      },
      { timeout: 10_000, interval: 50 },
    );
    const sms = new URLSearchParams(calls.find((c) => c.url.includes("api.twilio.com"))?.body);
    expect(sms.get("To")).toBe("+420601234567");

    // The request page and the notifications page show both deliveries, the number masked.
    await vi.waitFor(
      async () => {
        const detail = await client.page(`/app/requests/${id}`);
        if (!detail.includes("••••••••4567") || (detail.match(/badge sent/g) ?? []).length < 2)
          throw new Error("not yet");
      },
      { timeout: 10_000, interval: 100 },
    );
    const log = await client.page("/app/notifications?channel=sms");
    expect(log).toContain("••••••••4567");
    expect(log).not.toContain("+420601234567");
    expect(log).toContain("SM0123456789abcdef0123456789abcdef");
  });
});

describe("admin notification pages", () => {
  it("lists deliveries with filters, re-drives failed ones, and edits templates with a preview", async () => {
    const admin = await signedInAs("portal-admin@example.com", "admin");
    const res = await postSubmission({
      text: "Summarise the supplier review, please.",
      email: "portal-someone@example.com",
    });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    const rowId = `${id}:submission.completed:email`;
    await env.DB.prepare("UPDATE notifications SET status = 'failed', error = 'test' WHERE id = ?").bind(rowId).run();

    const list = await admin.page("/app/admin/notifications?status=failed&user=portal-someone%40example.com");
    expect(list).toContain(rowId);
    expect(list).toContain("portal-someone@example.com");
    const none = await admin.page("/app/admin/notifications?status=failed&user=nobody%40example.com");
    expect(none).not.toContain(rowId);

    const redrive = await admin.post("/app/admin/notifications/redrive", { id: rowId }, list);
    expect(redrive.status).toBe(303);
    await vi.waitFor(
      async () => {
        const row = await env.DB.prepare("SELECT status, attempts FROM notifications WHERE id = ?").bind(rowId).first<{
          status: string;
          attempts: number;
        }>();
        if (row?.status !== "sent" || row.attempts !== 2) throw new Error(`still ${row?.status}`);
      },
      { timeout: 10_000, interval: 50 },
    );

    const editor = await admin.page(
      "/app/admin/notifications/templates?event=submission.failed&channel=telegram&locale=cs",
    );
    expect(editor).toContain("se nepodařilo dokončit");
    const preview = await admin.post(
      "/app/admin/notifications/templates",
      {
        event: "submission.failed",
        channel: "telegram",
        locale: "cs",
        subject: "Chyba",
        body: "{{name}}: {{reason}}",
        action: "preview",
      },
      editor,
    );
    const previewHtml = await preview.text();
    expect(previewHtml).toContain("Preview only");
    // The sample name carries markup; Telegram HTML shows it escaped (and the page escapes it again).
    expect(previewHtml).toContain("Ada &amp;lt;Lovelace&amp;gt;");
    const unknown = await admin.post(
      "/app/admin/notifications/templates",
      {
        event: "submission.failed",
        channel: "telegram",
        locale: "cs",
        subject: "x",
        body: "{{password}}",
        action: "save",
      },
      editor,
    );
    expect(unknown.status).toBe(422);
    const save = await admin.post(
      "/app/admin/notifications/templates",
      {
        event: "submission.failed",
        channel: "telegram",
        locale: "cs",
        subject: "Chyba",
        body: "{{name}}: {{reason}}",
        action: "save",
      },
      editor,
    );
    expect(save.status).toBe(303);
    const stored = await env.DB.prepare(
      "SELECT body FROM notification_templates WHERE event = 'submission.failed' AND channel = 'telegram' AND locale = 'cs'",
    ).first<{ body: string }>();
    expect(stored?.body).toBe("{{name}}: {{reason}}");

    // The suppression list: add by hand, see it, lift it.
    const add = await admin.post(
      "/app/admin/notifications/suppressions",
      { channel: "sms", address: "+420 777 000 111", action: "add" },
      list,
    );
    expect(add.status).toBe(303);
    const withEntry = await admin.page("/app/admin/notifications");
    expect(withEntry).toContain("+420777000111");
    const lift = await admin.post(
      "/app/admin/notifications/suppressions",
      { channel: "sms", address: "+420777000111", action: "lift" },
      withEntry,
    );
    expect(lift.status).toBe(303);
    expect(await admin.page("/app/admin/notifications")).not.toContain("+420777000111");

    const user = await signedInAs("portal-nonadmin@example.com");
    expect((await user.get("/app/admin/notifications")).status).toBe(404);
    expect((await user.get("/app/admin/notifications/templates")).status).toBe(404);
    const sneaky = await user.post("/app/admin/notifications/suppressions", {
      channel: "email",
      address: "x@example.com",
    });
    expect(sneaky.status).toBe(404);
  });
});
