import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./dev-server";

/**
 * Mail routes and forwarding against the local email simulator itself: `wrangler dev --local`
 * with fresh state, a route with forwarding rules written to its D1, and messages posted to
 * `/cdn-cgi/local/email?format=json` as Email Routing would deliver them. Miniflare's own
 * `ForwardableEmailMessage` records every `message.forward()` (destination and added headers)
 * in that JSON answer, so this proves the handler really calls it — the workers tests use a
 * hand-built message. (The simulator accepts any destination: whether one is a verified Email
 * Routing destination is known only to Cloudflare, so that failure is tested with the workers
 * project's message, which throws as Email Routing does.)
 */

const AT = "sales.localhost";

let server: DevServer;
let base = "";

interface Handled {
  outcome?: string;
  rejectReason?: string;
  forwards?: { recipient: string; headers: [string, string][] }[];
  replies?: unknown[];
}

async function deliver(from: string, to: string, subject: string): Promise<Handled> {
  const raw = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${crypto.randomUUID()}@client.example>`,
    `Date: ${new Date().toUTCString()}`,
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Please send a quote.",
    "",
  ].join("\r\n");
  const url = new URL("/cdn-cgi/local/email", base);
  url.search = new URLSearchParams({ from, to, format: "json" }).toString();
  const res = await fetch(url, { method: "POST", body: raw, headers: { "content-type": "message/rfc822" } });
  return (await res.json()) as Handled;
}

beforeAll(async () => {
  const now = Date.now();
  server = await startDevServer({
    sql: [
      `INSERT INTO mail_routes (id, name, created_at, updated_at) VALUES ('mr_sales', 'Sales', ${now}, ${now});`,
      `INSERT INTO mail_addresses (address, route_id, kind, plus_tags, created_at) VALUES ('sales@${AT}', 'mr_sales', 'address', 1, ${now});`,
      `INSERT INTO mail_addresses (address, route_id, kind, plus_tags, created_at) VALUES ('vendors@${AT}', 'mr_sales', 'alias', 0, ${now});`,
      `INSERT INTO mail_forward_rules (id, route_id, destination, match_subject, created_at) VALUES ('fr_copy', 'mr_sales', 'sales-team@staff.example', 'quote', ${now});`,
      `INSERT INTO mail_forward_rules (id, route_id, destination, match_address, stop, created_at) VALUES ('fr_only', 'mr_sales', 'purchasing@staff.example', 'vendors@${AT}', 1, ${now});`,
    ],
    vars: { SIGNING_KEY: "e2e-forwarding-signing-key" },
  });
  base = server.base;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("forwarding through the local email simulator", () => {
  it("forwards a copy by a matching rule and acknowledges the request as usual", async () => {
    const handled = await deliver("buyer@customer.example", `sales+web@${AT}`, "Quote for 20 seats");
    expect(handled.outcome).toBe("ok");
    expect(handled.rejectReason).toBeUndefined();
    expect(handled.forwards).toEqual([
      expect.objectContaining({
        recipient: "sales-team@staff.example",
        headers: [["x-statex-forward-rule", "fr_copy"]],
      }),
    ]);
    expect(handled.replies).toHaveLength(1);
  });

  it("a forward-only alias forwards and answers nothing; mail no rule matches is not forwarded", async () => {
    const only = await deliver("rep@vendor.example", `vendors@${AT}`, "New catalogue");
    expect(only.forwards?.map((f) => f.recipient)).toEqual(["purchasing@staff.example"]);
    expect(only.replies ?? []).toEqual([]);
    const none = await deliver("someone@customer.example", `sales@${AT}`, "Hello");
    expect(none.forwards).toEqual([]);
    expect(none.replies).toHaveLength(1);
  });

  it("an address no route takes is rejected with a reason and neither forwarded nor answered", async () => {
    const lost = await deliver("someone@customer.example", `billing@${AT}`, "Quote");
    expect(lost.rejectReason).toBe(
      `There is no mailbox billing@${AT} at StateX. Send requests to requests@statex.localhost.`,
    );
    expect(lost.forwards).toEqual([]);
    expect(lost.replies ?? []).toEqual([]);
  });
});
