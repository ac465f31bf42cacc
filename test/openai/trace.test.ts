import { afterEach, describe, expect, it, vi } from "vitest";
import { postSubmission, waitForStatus } from "../helpers/api";
import { completion, fakeLlm } from "../helpers/llm";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("trace propagation", () => {
  it("carries a caller's trace id from the request through the job to the provider call", async () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const seen: (string | null)[] = [];
    fakeLlm((_, init) => {
      seen.push(new Headers(init?.headers).get("traceparent"));
      const structured = { summary: "Traced.", answer: [], understood: [], proposals: [], questions: [] };
      return completion(JSON.stringify(structured));
    });
    const res = await postSubmission(
      { text: "Follow me through the pipeline. Please." },
      { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toBe(traceId);
    expect(res.headers.get("traceparent")).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const { id } = await res.json<{ id: string }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.requestId).toBe(traceId);
    expect(seen.length).toBeGreaterThan(0);
    for (const header of seen) expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });
});
