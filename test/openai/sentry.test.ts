import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiKeyFor, BASE, fetchSettled } from "../helpers/api";

// This project sets SENTRY_DSN to a fake host; Sentry's envelopes are caught at fetch.
const realFetch = globalThis.fetch;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("error reporting to Sentry", () => {
  it("reports an unexpected 5xx with the user id and allow-listed headers only", async () => {
    const envelopes: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!url.includes("sentry.fake.test")) return realFetch(input, init);
      envelopes.push(typeof init?.body === "string" ? init.body : new TextDecoder().decode(init?.body as Uint8Array));
      return new Response("{}", { status: 200 });
    });
    const key = await apiKeyFor("crash@example.com");
    // Break the database under the API: an unexpected failure, not a client error.
    await env.DB.prepare("DROP TABLE submission_steps").run();
    await env.DB.prepare("ALTER TABLE submissions RENAME TO submissions_gone").run();
    const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
      headers: { authorization: `Bearer ${key}`, cookie: "statex_session=secret-cookie", "x-request-id": "crash-1" },
    });
    expect(res.status).toBe(500);
    const problem = await res.json<{ detail: string; requestId: string }>();
    expect(problem.requestId).toBe("crash-1");
    expect(problem.detail).not.toMatch(/submissions|SQL|D1/);

    await vi.waitFor(
      () => {
        if (envelopes.length === 0) throw new Error("no envelope yet");
      },
      { timeout: 5_000, interval: 50 },
    );
    const sent = envelopes.join("\n");
    expect(sent).toContain('"requestId":"crash-1"');
    expect(sent).toMatch(/"user":\{"id":"usr_/);
    expect(sent).not.toContain("secret-cookie");
    expect(sent).not.toContain(key);
    expect(sent).not.toMatch(/"authorization"/i);
  });

  it("leaves client errors alone", async () => {
    const calls: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.includes("sentry.fake.test")) calls.push(url);
      return realFetch(input, init);
    });
    // Settled: a report, had there been one, was sent before the answer is looked at.
    const res = await fetchSettled("/v1/submissions/nope", {
      headers: { authorization: `Bearer ${await apiKeyFor("fine@example.com")}` },
    });
    expect(res.status).toBe(404);
    expect(calls).toEqual([]);
  });
});
