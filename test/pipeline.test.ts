import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  apiKeyFor,
  getSubmission,
  notificationRows,
  postSubmission,
  readSentEmail,
  waitForStatus,
} from "./helpers/api";

const TEXT =
  "Our warehouse in Brno keeps running out of packing material. Orders were delayed three times in October because of it. " +
  "The supplier says deliveries take two weeks, but our stock lasts ten days. " +
  "Please analyse the situation and suggest how to avoid further delays in packing material.";

describe("the whole path: POST → queue → Durable Object → D1/R2 → email → GET", () => {
  it("completes a text request and emails the result", async () => {
    const res = await postSubmission({ text: TEXT, email: "ada@example.com" }, { "x-request-id": "trace-abc-123" });
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toBe("trace-abc-123");
    const accepted = await res.json<{ id: string; status: string; links: { self: string } }>();
    expect(accepted.id).toMatch(/^sub_[0-9A-Z]{26}$/);
    expect(accepted.status).toBe("queued");
    expect(res.headers.get("location")).toBe(`/v1/submissions/${accepted.id}`);

    // The raw input went to R2 at once.
    const input = await env.FILES.get(`inputs/${accepted.id}.json`);
    expect(input).not.toBeNull();
    expect(await input?.json()).toMatchObject({ text: TEXT, email: "ada@example.com", correlationId: "trace-abc-123" });

    const done = await waitForStatus(accepted.id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.requestId).toBe("trace-abc-123");
    expect(done.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["gather", "done", 1],
      ["transcribe", "skipped", 1],
      ["extract", "skipped", 1],
      ["retrieve", "done", 1],
      ["analyse", "done", 1],
      ["compose", "done", 1],
      ["notify", "done", 1],
    ]);
    expect(done.steps[4]?.provider).toBe("local:statex-extractive-v1");
    expect(done.completedAt).not.toBeNull();
    expect(done.summary).toContain("packing material");
    expect(done.result?.markdown).toContain("## Answer\n\nOur site does not cover this; a person will answer.");
    expect(done.result?.markdown).not.toContain("## Sources");
    expect(done.sources).toEqual([]);
    expect(done.result?.markdown).toContain("without a language model");

    // The result document is in R2 and its summary in D1.
    const stored = await env.FILES.get(`results/${accepted.id}.md`);
    expect(await stored?.text()).toBe(done.result?.markdown);
    const row = await env.DB.prepare("SELECT status, summary, result_key, ai_provider FROM submissions WHERE id = ?")
      .bind(accepted.id)
      .first();
    expect(row).toMatchObject({ status: "completed", result_key: `results/${accepted.id}.md`, ai_provider: "local" });

    // Exactly one email, logged as sent, and the .eml the binding wrote parses back.
    const log = await notificationRows(accepted.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      event: "submission.completed",
      channel: "email",
      recipient: "ada@example.com",
      status: "sent",
      attempts: 1,
    });
    const { email, raw } = await readSentEmail(log[0]?.provider_message_id ?? "");
    expect(email.to?.[0]?.address).toBe("ada@example.com");
    expect(email.from?.address).toBe("results@statex.localhost");
    expect(email.subject).toContain(accepted.id);
    expect(email.messageId).toMatch(/^<.+@.+>$/);
    expect(email.text).toContain("packing material");
    expect(email.html).toContain("<h2");
    expect(raw).toMatch(/^Auto-Submitted: auto-generated/im);
    expect(raw).toMatch(/^X-Request-Id: trace-abc-123/im);
  });

  it("keeps script out of the emailed HTML when the request text carries it", async () => {
    const hostile =
      'Please review this. <script>alert("x")</script> It has an <img src=x onerror="alert(1)"> image and a <a href="javascript:alert(1)">link</a>. Thanks for checking the markup handling.';
    const res = await postSubmission({ text: hostile, email: "mallory@example.com" });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    const [row] = await notificationRows(id);
    const { email } = await readSentEmail(row?.provider_message_id ?? "");
    expect(email.html).toBeDefined();
    expect(email.html).not.toMatch(/<script/i);
    expect(email.html).not.toMatch(/onerror/i);
    expect(email.html).not.toMatch(/javascript:/i);
  });

  it("returns 404 problem+json for an unknown or malformed id", async () => {
    for (const id of ["sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S", "nope", "..%2F..%2Fetc"]) {
      const res = await exports.default.fetch(`http://statex.test/v1/submissions/${id}`, {
        headers: { authorization: `Bearer ${await apiKeyFor()}` },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const problem = await res.json<{ type: string; status: number; detail: string }>();
      expect(problem).toMatchObject({ type: "/problems/not-found", status: 404 });
    }
  });

  it("serves the GET view of a queued submission before the job runs", async () => {
    const res = await postSubmission({ text: "A short request about invoices.", email: "bob@example.com" });
    const { id } = await res.json<{ id: string }>();
    const view = await getSubmission(id);
    expect(["queued", "running", "completed"]).toContain(view.status);
    expect(view.steps.map((s) => s.name)).toEqual([
      "gather",
      "transcribe",
      "extract",
      "retrieve",
      "analyse",
      "compose",
      "notify",
    ]);
    await waitForStatus(id, ["completed"]);
  });
});
