import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { evaluateAlerts } from "../shared/slo/alerts";
import { notificationRow } from "./helpers/rows";
import { signedInAs } from "./helpers/session";

describe("/app/admin/alerts", () => {
  it("lists each alert with its timeline for admins, linked from the admin home", async () => {
    const t = Date.UTC(2034, 0, 1, 12, 0, 0);
    for (let i = 0; i < 10; i++)
      await notificationRow({ channel: "telegram", status: i < 4 ? "failed" : "sent", createdAt: t - 20 * 60_000 });
    expect((await evaluateAlerts(env, t)).fired).toContain("channel:telegram");
    const admin = await signedInAs("alerts-page-admin@example.com", "admin");
    expect(await admin.page("/app/admin")).toContain('href="/app/admin/alerts"');
    const html = await admin.page("/app/admin/alerts");
    expect(html).toMatch(/<tr id="alert-alr[0-9A-Z]+" data-state="firing">/);
    expect(html).toContain("telegram delivered 60% of 10 notifications in the last hour");
    expect(html).toContain("channel:telegram");
    expect(html).toMatch(/fired: telegram delivered/);
    expect(html).toMatch(/notified: alert\.firing: \d+ deliveries to \d+ admins/);

    await evaluateAlerts(env, t + 3 * 3_600_000);
    const after = await admin.page("/app/admin/alerts");
    expect(after).toContain("Nothing is firing.");
    expect(after).toMatch(/data-state="resolved"/);
  });

  it("is for admins only", async () => {
    const staff = await signedInAs("alerts-page-staff@example.com", "staff");
    const res = await staff.get("/app/admin/alerts");
    expect([403, 404]).toContain(res.status);
  });
});
