/**
 * End to end, with the demo content (this test reads the built site under dist/site, the only
 * place the demo pages may be asserted on): a request posted to the API runs through the real
 * queue and Durable Object; its `retrieve` step ingests the build and finds passages, the
 * offline answer cites `[1]`, and the API view lists the sources with absolute URLs.
 */
import { describe, expect, it } from "vitest";
import { postSubmission, waitForStatus } from "./helpers/api";

describe("the retrieve step, end to end with the demo content", () => {
  it("answers a pricing request from the demo site's passages, citing them with absolute links", async () => {
    const res = await postSubmission({
      text: "How much is the Starter plan per month, and how many requests does the Starter plan include?",
      email: "retrieve-e2e@example.com",
    });
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    const retrieve = done.steps.find((s) => s.name === "retrieve");
    expect(retrieve).toMatchObject({ status: "done", attempts: 1 });
    expect(done.steps.map((s) => s.name).slice(2, 5)).toEqual(["extract", "retrieve", "analyse"]);

    const answer = done.result?.markdown.split("\n## ")[1] ?? "";
    expect(answer.startsWith("Answer")).toBe(true);
    expect(answer).toContain("[1]");
    expect(done.result?.markdown).toContain("## Sources");
    expect(done.sources.length).toBeGreaterThan(0);
    for (const source of done.sources) expect(source.url).toMatch(/^https?:\/\/[^/]+\/.+/);
    expect(done.sources.map((s) => s.url.replace(/#.*$/, ""))).toContainEqual(expect.stringMatching(/\/pricing\/$/));
  });
});
