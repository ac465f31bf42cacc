import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { notificationRows, postSubmission, readSentEmail, waitForStatus } from "../helpers/api";
import { withoutSitePassages } from "../helpers/content";
import { completion, fakeLlm } from "../helpers/llm";

// This project runs the Worker with AI_PROVIDER=openai and AI_BASE_URL=https://llm.fake.test/v1;
// the provider's HTTP API is faked at the fetch boundary (test/helpers/llm.ts), shared by the test and the Worker.
const analysis = (summary: string) =>
  completion(JSON.stringify({ summary, answer: [], understood: ["One"], proposals: [], questions: [] }));

// These tests script the model's answers; no site passages may add a "cite them" re-ask.
beforeEach(withoutSitePassages);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a failing AI provider", () => {
  it("retries a temporary failure and then completes", async () => {
    const { spy } = fakeLlm((call) => (call === 1 ? new Response("busy", { status: 503 }) : analysis("All good.")));
    const { id } = await (await postSubmission({ text: "Please check our plan.", email: "ada@example.com" })).json<{
      id: string;
    }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps[4]).toMatchObject({ name: "analyse", status: "done", attempts: 2, error: null });
    expect(done.summary).toBe("All good.");
    expect(done.result?.markdown).toContain("Written by the language model fake-model-1");
    expect(spy.mock.calls.filter(([u]) => String(u).startsWith("https://llm.fake.test/"))).toHaveLength(2);
  });

  it("ends failed with a reason after every retry fails, and tells the submitter", async () => {
    fakeLlm(() => new Response("upstream stack trace", { status: 503 }));
    const { id } = await (await postSubmission({ text: "Please check our plan.", email: "bob@example.com" })).json<{
      id: string;
    }>();
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe(
      "The analyse step failed after 4 attempts: The AI service is temporarily unavailable (HTTP 503).",
    );
    expect(failed.error).not.toContain("stack trace");
    expect(failed.completedAt).not.toBeNull();
    expect(failed.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["gather", "done", 1],
      ["transcribe", "skipped", 1],
      ["extract", "skipped", 1],
      ["retrieve", "done", 1],
      ["analyse", "failed", 4],
      ["compose", "skipped", 0],
      ["notify", "skipped", 0],
    ]);
    expect(failed.result).toBeNull();

    // The failure notice goes out through the notifications queue.
    const row = await vi.waitFor(
      async () => {
        const [n] = await notificationRows(id);
        if (n?.status !== "sent") throw new Error("notice not sent yet");
        return n;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(row).toMatchObject({ event: "submission.failed", recipient: "bob@example.com" });
    const { email } = await readSentEmail(row.provider_message_id ?? "");
    expect(email.subject).toContain("could not complete");
    expect(email.text).toContain("temporarily unavailable");
  });

  it("does not retry a permanent refusal", async () => {
    fakeLlm(() => new Response('{"error":"invalid api key"}', { status: 401 }));
    const { id } = await (await postSubmission({ text: "Please check our plan.", email: "eve@example.com" })).json<{
      id: string;
    }>();
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.steps[4]).toMatchObject({ name: "analyse", status: "failed", attempts: 1 });
    expect(failed.error).toBe("The analyse step failed: The AI service refused the request (HTTP 401).");
    const row = await env.DB.prepare("SELECT status FROM submissions WHERE id = ?").bind(id).first();
    expect(row).toEqual({ status: "failed" });
  });
});
