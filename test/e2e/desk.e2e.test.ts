import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import PostalMime, { type Email } from "postal-mime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

const root = path.resolve(import.meta.dirname, "../..");
const shots = path.join(root, "test-results", "screenshots");
const docShots = path.join(root, "docs", "screenshots");
const wranglerBin = path.join(root, "node_modules", ".bin", "wrangler");
const DEMO_ID = "sub_01JF000000000000000000DEM0";
const DEMO_KEY = "sx_demo_local_development_key_not_for_production";
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  NO_COLOR: "1",
};

let server: ChildProcess;
let browser: Browser;
let base = "";
let persist = "";
let output = "";

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout?.on("data", (d) => {
      log += d;
    });
    child.stderr?.on("data", (d) => {
      log += d;
    });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args[0]} failed:\n${log}`))));
  });
}

/** A full-page screenshot; `forDocs` also copies it to docs/screenshots/ for docs/desk.md. */
async function shot(page: Page, name: string, forDocs = false): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (forDocs && process.env.DOCS_SCREENSHOTS === "1") await copyFile(file, path.join(docShots, `${name}.png`));
}

/** Every .eml this wrangler session wrote to `to`, oldest first (paths come from wrangler's log). */
async function mailsTo(to: string): Promise<Email[]> {
  const files = [...new Set([...output.matchAll(/Email: (\S+\.eml)/g)].map((m) => m[1] ?? ""))];
  const found: { mail: Email; mtime: number }[] = [];
  for (const file of files) {
    const raw = await readFile(file).catch(() => null);
    if (!raw) continue;
    const mail = await PostalMime.parse(raw);
    if (!mail.to?.some((a) => a.address?.toLowerCase() === to)) continue;
    found.push({ mail, mtime: (await stat(file)).mtimeMs });
  }
  return found.sort((a, b) => a.mtime - b.mtime).map((f) => f.mail);
}

/** Waits (up to 30 s) for a mail to `to` that `match` accepts. */
async function waitForMail(to: string, match: (m: Email) => boolean): Promise<Email> {
  for (let i = 0; i < 300; i++) {
    const hit = (await mailsTo(to)).reverse().find(match);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching mail to ${to}`);
}

/** Delivers a raw message as Email Routing would (`/cdn-cgi/local/email`); returns the handler's JSON. */
async function deliver(from: string, to: string, raw: string) {
  const url = new URL("/cdn-cgi/local/email", base);
  url.search = new URLSearchParams({ from, to, format: "json" }).toString();
  const res = await fetch(url, { method: "POST", body: raw, headers: { "content-type": "message/rfc822" } });
  return (await res.json()) as { outcome?: string; rejectReason?: string; replies?: { raw?: string }[] };
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${base}/auth/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/app`);
}

beforeAll(async () => {
  await mkdir(shots, { recursive: true });
  persist = await mkdtemp(path.join(tmpdir(), "statex-e2e-desk-"));
  await run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  // The demo seed (as `npm run db:seed`): accounts, the demo request, its thread, a saved reply.
  await run(["d1", "execute", "DB", "--local", "--persist-to", persist, "--file", "migrations/seed/demo.sql"]);
  for (const [key, file, type] of [
    [`inputs/${DEMO_ID}.json`, "demo-input.json", "application/json"],
    [`results/${DEMO_ID}.md`, "demo-result.md", "text/markdown; charset=utf-8"],
  ] as const)
    await run([
      "r2",
      "object",
      "put",
      `statex-files/${key}`,
      "--local",
      "--persist-to",
      persist,
      "--file",
      `migrations/seed/${file}`,
      "--content-type",
      type,
    ]);
  const port = 20000 + Math.floor(Math.random() * 20000);
  server = spawn(
    wranglerBin,
    [
      "dev",
      "--local",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      "0",
      "--persist-to",
      persist,
      // Mailed requests (the default workflow) wait for staff as a draft: the review policy by configuration.
      "--var",
      "REVIEW_WORKFLOWS:analyse",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  server.stdout?.on("data", (d) => {
    output += d;
  });
  server.stderr?.on("data", (d) => {
    output += d;
  });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    if (/Ready on/.test(output)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!/Ready on/.test(output)) throw new Error(`wrangler dev did not start:\n${output}`);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await rm(persist, { recursive: true, force: true });
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
    const answer = await waitForMail(customer, (m) => (m.text ?? "").includes("EDITED IN THE DESK"));
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
