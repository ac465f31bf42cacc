import { readFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, launchChromium, shot, startDevServer, waitForMail } from "./dev-server";

/**
 * The portal end to end, as a person uses it: a real headless Chromium (Debian's, driven by
 * playwright-core) against `wrangler dev --local` with its own fresh state. Screenshots of
 * every page go to test-results/screenshots/.
 */

let server: DevServer;
let browser: Browser;
let base = "";

/** The newest mail this wrangler session wrote to `to`. */
async function mailTo(to: string): Promise<{ subject: string; text: string }> {
  const email = await waitForMail(server, to);
  return { subject: email.subject ?? "", text: email.text ?? "" };
}

beforeAll(async () => {
  // The demo seed: an admin (admin@statex.localhost) for the admin pages.
  server = await startDevServer({ seed: true });
  base = server.base;
  browser = await launchChromium([
    "--disable-component-update",
    "--disable-sync",
    // A fake microphone (a beep), allowed without a prompt: the voice-note recorder runs for real.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the portal in a real browser", () => {
  it("sign up → verify by the emailed link → submit → watch it complete → read the result → API key works", async () => {
    const email = `e2e-${Date.now()}@example.com`;
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });

    await page.goto(`${base}/auth/signup`);
    await shot(page, "01-sign-up");
    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("analytical engine 1843");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForSelector("text=Check your email");
    await shot(page, "02-check-email");

    const mail = await mailTo(email);
    expect(mail.subject).toContain("Confirm your email");
    const link = mail.text.match(/https?:\/\/\S+\/auth\/verify\?token=\S+/)?.[0];
    expect(link).toBeDefined();
    await page.goto(link ?? "");
    await shot(page, "03-confirm-email");
    await page.getByRole("button", { name: "Confirm and sign in" }).click();
    await page.waitForURL(`${base}/app`);
    await page.waitForSelector("text=Your requests");
    await shot(page, "04-dashboard-empty");

    await page.getByRole("link", { name: "New request", exact: true }).first().click();
    await page
      .getByLabel("What do you need?")
      .fill(
        "Our support queue doubled in October. Response times rose from two hours to nine. " +
          "Customers complain about slow answers. Please analyse the situation and suggest what to change first.",
      );
    // A document by the file picker, and a voice note recorded from the (fake) microphone.
    const notes = Buffer.from("Supplier notes: the ticket backlog peaks on Mondays; two agents are on leave.\n");
    await page.setInputFiles("#files", { name: "supplier-notes.txt", mimeType: "text/plain", buffer: notes });
    await page.waitForSelector("[data-file-list] li >> text=supplier-notes.txt");
    await page.getByRole("button", { name: "Record a voice note" }).click();
    await page.waitForSelector("text=Recording…");
    await page.waitForTimeout(1500);
    await page.getByRole("button", { name: "Stop recording" }).click();
    await page.waitForSelector("[data-file-list] li >> text=/voice-note-.*\\.webm/");
    await shot(page, "05-new-request");
    await page.getByRole("button", { name: "Send request" }).click();
    // Uploaded with a progress bar (XHR), then on to the request's page.
    await page.waitForSelector("[data-upload-status] >> text=Upload complete");
    expect(Number(await page.locator("#upload-progress").getAttribute("value"))).toBe(100);
    await page.waitForURL(/\/app\/requests\/sub_/);
    // The page follows the job by itself until it is done.
    await page.waitForSelector('[data-status="completed"]', { timeout: 30_000 });
    await page.waitForSelector("text=Result");
    const result = await page.locator(".result").innerText();
    // The grounded result: the answer first, then what was understood from the request.
    expect(result).toContain("Answer");
    expect(result).toContain("What we understood");
    expect(result).toContain("Please analyse the situation and suggest what to change first.");
    await shot(page, "06-request-detail");

    // The attachments, downloaded by their owner: the same bytes.
    const attachments = await page.locator("[data-attachments] li").allInnerTexts();
    expect(attachments).toHaveLength(2);
    expect(attachments[0]).toContain("supplier-notes.txt");
    expect(attachments[1]).toMatch(/voice-note-.*\.webm.*audio\/webm/s);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      // The attachments card's link (the conversation lists the request's files too).
      page.locator("[data-attachments]").getByRole("link", { name: "supplier-notes.txt" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("supplier-notes.txt");
    expect(await readFile((await download.path()) ?? "")).toEqual(notes);

    await page.goto(`${base}/app`);
    expect(await page.locator("tbody tr").count()).toBe(1);
    await shot(page, "07-dashboard");

    await page.goto(`${base}/app/profile`);
    await page.getByLabel("New key name").fill("e2e");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.locator("[data-new-api-key]").innerText()).trim();
    expect(key).toMatch(/^sx_/);
    await shot(page, "08-profile-api-key");

    const api = await fetch(`${base}/v1/submissions`, { headers: { authorization: `Bearer ${key}` } });
    expect(api.status).toBe(200);
    const listed = (await api.json()) as { items: { status: string }[] };
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]?.status).toBe("completed");

    // The result mail went to the same address.
    const resultMail = await mailTo(email);
    expect(resultMail.subject).toContain("result is ready");

    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it("shows the sign-in page well on a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true });
    const page = await context.newPage();
    await page.goto(`${base}/auth/signin`);
    // Runs in the page, where `document` exists; typed loosely since this project has no DOM lib.
    const width = await page.evaluate("document.documentElement.scrollWidth");
    expect(Number(width)).toBeLessThanOrEqual(375);
    await shot(page, "09-sign-in-phone");
    await context.close();
  });

  it("shows an admin the dashboard's SVG charts and the request search, within the CSP", async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await page.goto(`${base}/auth/signin`);
    await page.getByLabel("Email").fill("admin@statex.localhost");
    await page.getByLabel("Password").fill("admin-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${base}/app`);
    await page.getByRole("link", { name: "Dashboard", exact: true }).click();
    await page.waitForURL(`${base}/app/admin/dashboard`);
    const charts = page.locator('svg[role="img"]');
    // Four charts of the work done, three of the SLOs (bad events, error budget left, burn rate).
    expect(await charts.count()).toBe(7);
    // The first test's request finished within the last 24 hours: the jobs chart has a bar.
    expect(await page.locator("#chart-jobs-title").count()).toBe(1);
    expect(await charts.first().locator("rect title").count()).toBeGreaterThan(0);
    await shot(page, "10-admin-dashboard");

    await page.goto(`${base}/app/admin/requests`);
    await page.getByLabel("Search text").fill("support queue");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/app\/admin\/requests\?q=support/);
    expect(await page.locator("mark").count()).toBeGreaterThan(0);
    await shot(page, "11-admin-request-search");

    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  }, 60_000);

  it("keeps a signed-out visitor out of the portal", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/app/profile`);
    expect(page.url()).toBe(`${base}/auth/signin?next=%2Fapp%2Fprofile`);
    await context.close();
  });
});
