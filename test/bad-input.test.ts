import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { MAX_TEXT_CHARS } from "../shared/submissions/accept";
import { MAX_JSON_BODY_BYTES } from "../workers/api/submissions/schemas";
import { apiKeyFor, BASE, fetchSettled, postSubmission } from "./helpers/api";
import { expectProblem } from "./helpers/problem";

/** Every problem here answers POST /v1/submissions. */
const AT_SUBMISSIONS = { instance: "/v1/submissions" };

async function counts() {
  const row = await env.DB.prepare(
    "SELECT (SELECT COUNT(*) FROM submissions) AS submissions, (SELECT COUNT(*) FROM submission_steps) AS steps",
  ).first<{ submissions: number; steps: number }>();
  const inputs = await env.FILES.list({ prefix: "inputs/" });
  return { ...row, inputs: inputs.objects.length };
}

describe("bad input to POST /v1/submissions gets a precise problem and writes nothing", () => {
  let before: Awaited<ReturnType<typeof counts>>;
  beforeEach(async () => {
    before = await counts();
  });

  it("rejects malformed JSON with 400", async () => {
    const body = await expectProblem(
      await postSubmission('{"text": "hi", '),
      400,
      "/problems/malformed-json",
      AT_SUBMISSIONS,
    );
    expect(body.detail).toMatch(/not valid JSON/);
    expect(await counts()).toEqual(before);
  });

  it("rejects a body that is not JSON with 415", async () => {
    const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
      method: "POST",
      headers: { "content-type": "text/plain", authorization: `Bearer ${await apiKeyFor()}` },
      body: "please summarise this",
    });
    await expectProblem(res, 415, "/problems/unsupported-media-type", AT_SUBMISSIONS);
    expect(await counts()).toEqual(before);
  });

  it("rejects missing fields with 422 and a pointer for each", async () => {
    const body = await expectProblem(await postSubmission({}), 422, "/problems/validation", AT_SUBMISSIONS);
    expect(body.errors).toEqual([{ pointer: "/text", detail: "text is required" }]);
    expect(await counts()).toEqual(before);
  });

  it("rejects wrong types and unknown fields with 422", async () => {
    const body = await expectProblem(
      await postSubmission(JSON.stringify({ text: 42, priority: "high", email: "ada@example.com" })),
      422,
      "/problems/validation",
      AT_SUBMISSIONS,
    );
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { pointer: "/text", detail: "text must be a string" },
        { pointer: "/priority", detail: "unknown field priority" },
        // Results go to the account's address; a recipient in the body is refused, not ignored.
        { pointer: "/email", detail: "unknown field email" },
      ]),
    );
    expect(body.errors).toHaveLength(3);
    expect(await counts()).toEqual(before);
  });

  it("rejects whitespace-only text with 422", async () => {
    const body = await expectProblem(
      await postSubmission({ text: "   \n\t ", email: "ada@example.com" }),
      422,
      "/problems/validation",
      AT_SUBMISSIONS,
    );
    expect(body.errors).toEqual([{ pointer: "/text", detail: "text must not be empty" }]);
    expect(await counts()).toEqual(before);
  });

  it(`rejects text over ${MAX_TEXT_CHARS} characters with 422`, async () => {
    const body = await expectProblem(
      await postSubmission({ text: "a".repeat(MAX_TEXT_CHARS + 1), email: "ada@example.com" }),
      422,
      "/problems/validation",
      AT_SUBMISSIONS,
    );
    expect(body.errors).toEqual([{ pointer: "/text", detail: `text must be at most ${MAX_TEXT_CHARS} characters` }]);
    expect(await counts()).toEqual(before);
  });

  it("accepts text of exactly the limit", async () => {
    const res = await postSubmission({ text: "a".repeat(MAX_TEXT_CHARS), email: "ada@example.com" });
    expect(res.status).toBe(202);
    expect((await counts()).submissions).toBe((before.submissions ?? 0) + 1);
  });

  it("rejects a body over the byte limit with 413 before reading it all", async () => {
    const body = JSON.stringify({ text: "é".repeat(MAX_JSON_BODY_BYTES) });
    const res = await postSubmission(body);
    const problem = await expectProblem(res, 413, "/problems/payload-too-large", AT_SUBMISSIONS);
    expect(problem.detail).toContain(String(MAX_JSON_BODY_BYTES));
    expect(await counts()).toEqual(before);
  });

  it("rejects a JSON array or scalar body with 422", async () => {
    for (const raw of ["[]", '"text"', "null"]) {
      await expectProblem(await postSubmission(raw), 422, "/problems/validation", AT_SUBMISSIONS);
    }
    expect(await counts()).toEqual(before);
  });

  it("answers an unknown API route with a 404 problem", async () => {
    const res = await exports.default.fetch(`${BASE}/v1/nothing-here`, { method: "POST" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it("echoes a sane X-Request-Id and replaces a hostile one", async () => {
    const ok = await postSubmission({}, { "x-request-id": "client-42" });
    expect(ok.headers.get("x-request-id")).toBe("client-42");
    const hostile = await postSubmission({}, { "x-request-id": "<script>alert(1)</script>" });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("without SENTRY_DSN", () => {
  it("never contacts Sentry, even for a 500", async () => {
    const { vi } = await import("vitest");
    const seen: string[] = [];
    const real = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return real(input, init);
    });
    try {
      await env.DB.prepare("ALTER TABLE submissions RENAME TO submissions_moved").run();
      // Settled: a report, had there been one, was sent before the requests are looked at.
      const res = await fetchSettled("/v1/submissions", {
        headers: { authorization: `Bearer ${await apiKeyFor("nosentry@example.com")}` },
      });
      expect(res.status).toBe(500);
      expect(seen.filter((u) => /sentry/i.test(u))).toEqual([]);
    } finally {
      spy.mockRestore();
      await env.DB.prepare("ALTER TABLE submissions_moved RENAME TO submissions").run();
    }
  });
});
