/**
 * Ownership proof of notification destinations in tests: the codes the Worker sends to the
 * (faked) providers, read back and entered, so a destination ends verified as its owner's.
 */
import { api } from "./api";
import { PROVIDER_HOSTS, providerOk } from "./fake-providers";

/** The 6-digit code inside a captured provider request (Twilio form, Telegram or WhatsApp JSON). */
export function codeIn(body: string): string | null {
  return /StateX: your code is (\d{6})\b/.exec(decodeURIComponent(body.replace(/\+/g, " ")))?.[1] ?? null;
}

/**
 * Runs `action` while the providers are faked at the fetch boundary, answering as they would,
 * and returns the ownership codes the Worker sent. The fake is its own `globalThis.fetch`
 * swap (not a vitest spy), so a test's own `fakeProviders` spy sees none of these calls and
 * its call counts stay its own.
 */
export async function capturingCodes(action: () => Promise<void>): Promise<string[]> {
  const codes: string[] = [];
  const previous = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (!PROVIDER_HOSTS.includes(new URL(request.url).hostname)) return previous(input, init);
    const body = await request.text();
    const code = codeIn(body);
    if (code) codes.push(code);
    return providerOk({ url: request.url, method: request.method, headers: request.headers, body });
  };
  try {
    await action();
  } finally {
    globalThis.fetch = previous;
  }
  return codes;
}

/**
 * Sets a destination through the API and proves it the way its owner would: reads the code
 * the Worker sent to the (faked) provider and enters it. Throws when any step fails.
 */
export async function verifiedDestination(key: string, channel: string, address: string): Promise<void> {
  let status = 0;
  const codes = await capturingCodes(async () => {
    status = (await api(key, "PUT", `/v1/notifications/destinations/${channel}`, { address })).status;
  });
  if (status !== 200) throw new Error(`setting the ${channel} destination answered ${status}`);
  const code = codes.at(-1);
  if (!code) return; // Slack/Discord, or an address verified already: no code is sent.
  const res = await api(key, "POST", `/v1/notifications/destinations/${channel}/verify`, { code });
  if (res.status !== 200) throw new Error(`verifying the ${channel} destination answered ${res.status}`);
}
