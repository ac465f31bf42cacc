/**
 * The notification providers (Twilio, Telegram, WhatsApp, Slack, Discord, Resend) faked at the
 * fetch boundary: what each received, and the answer each gives when it accepts a message.
 */
import { vi } from "vitest";

/** One request a provider fake received, as the real provider would see it. */
export interface Captured {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** Hosts of the notification providers; requests to them never leave the machine in tests. */
export const PROVIDER_HOSTS = [
  "api.twilio.com",
  "api.telegram.org",
  "graph.facebook.com",
  "hooks.slack.com",
  "discord.com",
  "api.resend.com",
];

/**
 * Fakes every notification provider at the fetch boundary (the test and the Worker share the
 * isolate, so the Worker's `fetch` is the spied one). `respond` answers each captured request;
 * other hosts pass through. Call `vi.restoreAllMocks()` after each test.
 */
export function fakeProviders(respond: (req: Captured, n: number) => Response | Promise<Response>) {
  const calls: Captured[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    if (!PROVIDER_HOSTS.includes(new URL(request.url).hostname)) return realFetch(input, init);
    const captured = { url: request.url, method: request.method, headers: request.headers, body: await request.text() };
    calls.push(captured);
    return respond(captured, calls.length);
  });
  return calls;
}

/** The successful answer each provider gives, with a recognisable message id. */
export function providerOk(req: Captured): Response {
  const host = new URL(req.url).hostname;
  switch (host) {
    case "api.twilio.com":
      return Response.json({ sid: "SM0123456789abcdef0123456789abcdef", status: "queued" }, { status: 201 });
    case "api.telegram.org":
      return Response.json({ ok: true, result: { message_id: 4242, chat: { id: 1 } } });
    case "graph.facebook.com":
      return Response.json({ messaging_product: "whatsapp", messages: [{ id: "wamid.TEST123" }] });
    case "hooks.slack.com":
      return new Response("ok");
    case "discord.com":
      return Response.json({ id: "1188000000000000001", content: "" });
    default:
      return Response.json({ id: "re_0123456789" });
  }
}
