import type { Browser, Page } from "playwright-core";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, launchChromium, shot, startDevServer, waitForMail } from "./dev-server";

/**
 * The staff desk end to end, as a member of staff uses it: a real headless Chromium against
 * `wrangler dev --local` with its own fresh state and the demo seed. Staff signs in, opens the
 * inbox and the demo request, writes an internal note, inserts a saved reply and sends it; then
 * works a `reviewed` request's AI draft while the inbox, open in another tab, updates its row
 * live; and takes a request that arrived by mail through the whole loop: its AI draft edited
 * and sent into the customer's mail thread, the customer's mailed answer back in the staff
 * thread and on the customer's portal page, an internal note in neither customer view.
 * Screenshots go to test-results/screenshots/; with `DOCS_SCREENSHOTS=1` the ones docs/desk.md
 * shows are copied to docs/screenshots/ as well (so a test run leaves the repository alone).
 */

const DEMO_ID = "sub_01JF000000000000000000DEM0";
const DEMO_KEY = "sx_demo_local_development_key_not_for_production";

let server: DevServer;
let browser: Browser;
let base = "";

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${base}/auth/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/app`);
}

/** Delivers a raw message as Email Routing would (`/cdn-cgi/local/email`); returns the handler's JSON. */
async function deliver(from: string, to: string, raw: string) {
  const url = new URL("/cdn-cgi/local/email", base);
  url.search = new URLSearchParams({ from, to, format: "json" }).toString();
  const res = await fetch(url, { method: "POST", body: raw, headers: { "content-type": "message/rfc822" } });
  return (await res.json()) as { outcome?: string; rejectReason?: string; replies?: { raw?: string }[] };
}

beforeAll(async () => {
  // The demo seed (as `npm run db:seed`): accounts, the demo request, its thread, a saved reply.
  // Mailed requests (the default workflow) wait for staff as a draft: the review policy by configuration.
  server = await startDevServer({ seed: true, vars: { REVIEW_WORKFLOWS: "analyse" } });
  base = server.base;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the staff desk in a real browser", () => {
  it("signs staff in → inbox → the demo request → internal note → saved reply inserted, previewed, sent", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    await signIn(page, "staff@statex.localhost", "staff-password");
    await page.getByRole("link", { name: "Desk", exact: true }).click();
    await page.waitForURL(`${base}/app/desk`);
    const row = page.locator(`tr[data-row="${DEMO_ID}"]`);
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain("waiting on customer");
    // Assigned to the signed-in member of staff by the seed.
    expect(await row.textContent()).toContain("Me");
    await shot(page, "desk-01-inbox", true);

    await row.getByRole("link", { name: DEMO_ID }).click();
    await page.waitForURL(`${base}/app/desk/${DEMO_ID}`);
    // The seeded thread: the request, the AI answer, the customer's question, a note, a reply.
    expect(await page.locator("li.entry.note .internal").first().textContent()).toMatch(/internal/i);
    expect(await page.locator("li.entry.reply").count()).toBeGreaterThan(0);
    expect(await page.locator("ol.sources a").count()).toBeGreaterThan(0);

    await page.getByLabel("Note (markdown)").fill("Customer prefers **email** reminders; quote by Friday.");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.waitForSelector("text=Internal note added");
    expect(await page.locator("li.entry.note").last().textContent()).toContain("quote by Friday");

    // The saved reply goes into the box by script, its variables filled by the server.
    await page.getByLabel("Saved reply").selectOption({ label: "Thanks, we are on it" });
    await page.getByRole("button", { name: "Insert" }).click();
    const box = page.getByLabel("Reply (markdown)");
    expect(await box.inputValue()).toContain(`Hello Demo User,\n\nthank you for your request ${DEMO_ID}.`);
    expect(await box.inputValue()).toContain("Demo Staff");
    await box.fill(`${await box.inputValue()}\n\nWe will send the **quote** by Friday.`);
    await page.getByRole("button", { name: "Preview" }).first().click();
    await page.waitForSelector(".preview strong:text('quote')");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForSelector("text=Reply sent to the customer.");
    expect(await page.locator("li.entry.reply").last().textContent()).toContain("We will send the quote by Friday.");
    await shot(page, "desk-02-request", true);

    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it("edits and sends the AI's draft while the inbox in another tab updates the row live", async () => {
    const res = await fetch(`${base}/v1/submissions`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        text: "We need online booking with SMS reminders for three clinics. What would it cost?",
        workflow: "reviewed",
      }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const desk = await context.newPage();
    await signIn(desk, "staff@statex.localhost", "staff-password");
    // The request's page: the editor appears once the job waits for review (live reload if not yet).
    await desk.goto(`${base}/app/desk/${id}`);
    await desk.waitForSelector("#draft-body", { timeout: 30_000 });

    const inbox = await context.newPage();
    await inbox.goto(`${base}/app/desk?status=all`);
    const row = inbox.locator(`tr[data-row="${id}"]`);
    expect(await row.getAttribute("data-job-status")).toBe("running");
    await inbox.evaluate("window.__notReloaded = true");

    const draft = desk.locator("#draft-body");
    await draft.fill(`${await draft.inputValue()}\n\nEDITED BY STAFF: we can start in January.`);
    await desk.getByRole("button", { name: "Preview" }).first().click();
    await desk.waitForSelector(".preview >> text=EDITED BY STAFF");
    await shot(desk, "desk-03-draft", true);
    await desk.getByRole("button", { name: "Send to customer" }).click();
    await desk.waitForSelector("text=The answer is on its way to the customer.");

    // The inbox redraws the row when its job completes, without reloading the page.
    await inbox.waitForSelector(`tr[data-row="${id}"]:not([data-job-status])`, { timeout: 30_000 });
    expect(await inbox.evaluate("window.__notReloaded")).toBe(true);
    await desk.reload();
    expect(await desk.locator("li.entry.reply").last().textContent()).toContain("EDITED BY STAFF");
    await context.close();
  }, 120_000);

  it("a request by mail: the draft edited and sent in the customer's mail thread, their mailed answer back in the thread", async () => {
    const customer = "demo@statex.localhost";
    const inbound = "requests@statex.localhost";
    const subject = `Clinic booking ${Date.now()}`;
    const first = `<first-${Date.now()}@customer.example>`;
    const ack = await deliver(
      customer,
      inbound,
      [
        `From: Demo User <${customer}>`,
        `To: ${inbound}`,
        `Subject: ${subject}`,
        `Message-ID: ${first}`,
        "Date: Wed, 02 Dec 2026 09:00:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "We run three dental clinics and need online booking with SMS reminders. How much would that cost?",
        "",
      ].join("\r\n"),
    );
    expect(ack.rejectReason).toBeUndefined();
    const confirmLink = /https?:\/\/\S+\/email\/confirm\/\S+/.exec(
      (await PostalMime.parse(ack.replies?.[0]?.raw ?? "")).text ?? "",
    )?.[0];
    expect(confirmLink).toBeTruthy();

    // The customer confirms in the browser; staff find the request on the desk, channel email.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(new URL(new URL(confirmLink ?? "").pathname, base).href);
    await page.getByRole("button", { name: /confirm/i }).click();
    await page.waitForLoadState("load");
    await context.clearCookies();
    await signIn(page, "staff@statex.localhost", "staff-password");
    await page.goto(`${base}/app/desk?status=all&channel=email`);
    const row = page.locator("tr[data-row]", { hasText: "three dental clinics" }).first();
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    const id = (await row.getAttribute("data-row")) ?? "";
    expect(id).toMatch(/^sub_/);
    await page.goto(`${base}/app/desk/${id}`);
    await page.waitForSelector("#draft-body", { timeout: 30_000 });

    // An internal note, then the draft edited and sent.
    await page.getByLabel("Note (markdown)").fill("INTERNAL: check the SMS provider's price first.");
    await page.getByRole("button", { name: "Add note" }).click();
    await page.waitForSelector("text=Internal note added");
    const draft = page.locator("#draft-body");
    await draft.fill(`${await draft.inputValue()}\n\nEDITED IN THE DESK: we can start on 11 January.`);
    await page.getByRole("button", { name: "Send to customer" }).click();
    await page.waitForSelector("text=The answer is on its way to the customer.");

    // The mail to the customer holds the edited text, in the thread the customer began.
    const answer = await waitForMail(server, customer, (m) => (m.text ?? "").includes("EDITED IN THE DESK"));
    expect(answer.subject).toBe(`Re: ${subject}`);
    expect(`${answer.inReplyTo ?? ""} ${answer.references ?? ""}`).toContain(first);
    expect(answer.text).not.toContain("INTERNAL: check");
    const replyTo = answer.replyTo?.[0]?.address ?? "";
    expect(replyTo).toMatch(/^requests\+/);

    // The customer answers that mail, quoting it; only their words join the thread.
    const answered = await deliver(
      customer,
      replyTo,
      [
        `From: Demo User <${customer}>`,
        `To: ${replyTo}`,
        `Subject: Re: ${subject}`,
        `Message-ID: <answer-${Date.now()}@customer.example>`,
        `In-Reply-To: <${answer.messageId?.replace(/^<|>$/g, "")}>`,
        `References: ${first} <${answer.messageId?.replace(/^<|>$/g, "")}>`,
        "Date: Wed, 02 Dec 2026 10:00:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "CUSTOMER ANSWER: yes, January works for us.",
        "",
        "On Wed, 2 Dec 2026 at 09:30, StateX wrote:",
        "> EDITED IN THE DESK: we can start on 11 January.",
        "",
      ].join("\r\n"),
    );
    expect(answered.rejectReason).toBeUndefined();
    await expect
      .poll(
        async () => {
          await page.goto(`${base}/app/desk/${id}`);
          return page.locator("li.entry.customer").last().textContent();
        },
        { timeout: 30_000 },
      )
      .toContain("CUSTOMER ANSWER: yes, January works for us.");
    expect(await page.locator("li.entry.customer").last().textContent()).not.toContain("> EDITED");
    await shot(page, "desk-04-mail-thread", true);

    // The customer's own page: the answer and their reply; never the note.
    await context.clearCookies();
    await signIn(page, customer, "demo-password");
    await page.goto(`${base}/app/requests/${id}`);
    const body = (await page.locator("main").textContent()) ?? "";
    expect(body).toContain("EDITED IN THE DESK");
    expect(body).toContain("CUSTOMER ANSWER: yes, January works for us.");
    expect(body).not.toContain("INTERNAL: check");
    await context.close();
  }, 180_000);
});
