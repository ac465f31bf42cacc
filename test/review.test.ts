import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { JobCoordinator } from "../durable-objects/job-coordinator";
import { reviewLinks, signReview } from "../shared/review";
import { BASE, getSubmission, notificationRows, postSubmission, waitForStatus } from "./helpers/api";

const KEY = "test-signing-key"; // vitest.config.ts

async function submitReviewed(email: string) {
  const res = await postSubmission({
    text: "Please draft a reply to the supplier. We need delivery within ten days.",
    email,
    workflow: "reviewed",
  });
  expect(res.status).toBe(202);
  const { id } = await res.json<{ id: string }>();
  // Waits until the job pauses at review: the result is composed, nothing is delivered.
  await vi.waitFor(
    async () => {
      const snapshot = await runInDurableObject(env.JOB_COORDINATOR.getByName(id), (o: JobCoordinator) => o.snapshot());
      if (snapshot?.review?.status !== "waiting") throw new Error("not waiting yet");
    },
    { timeout: 15_000, interval: 50 },
  );
  return id;
}

/** POSTs a signed link (the path and query of the URL a reviewer receives). */
function follow(link: string) {
  const url = new URL(link);
  return exports.default.fetch(`${BASE}${url.pathname}${url.search}`, { method: "POST" });
}

describe("human review (workflow `reviewed`)", () => {
  it("pauses before delivery until an admin approves through a signed link", async () => {
    const id = await submitReviewed("review-ok@example.com");
    const paused = await getSubmission(id);
    expect(paused.status).toBe("running");
    expect(paused.steps.map((s) => [s.name, s.status])).toEqual([
      ["gather", "done"],
      ["transcribe", "skipped"],
      ["extract", "skipped"],
      ["retrieve", "done"],
      ["analyse", "done"],
      ["compose", "done"],
      ["review", "pending"],
      ["notify", "pending"],
    ]);
    // Nothing is delivered yet; the owner only hears that the request waits for review.
    const waiting = await vi.waitFor(
      async () => {
        const r = await notificationRows(id);
        if (r[0]?.status !== "sent") throw new Error("review notice not sent");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(waiting.map((r) => [r.event, r.channel])).toEqual([["submission.needs_review", "email"]]);

    const links = await reviewLinks(KEY, "http://127.0.0.1:8787", id);
    const res = await follow(links.approve);
    expect(res.status).toBe(200);
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps.find((s) => s.name === "review")).toMatchObject({ status: "done", attempts: 1 });
    const rows = await vi.waitFor(
      async () => {
        const r = await notificationRows(id);
        if (r.find((n) => n.event === "submission.completed")?.status !== "sent") throw new Error("not sent");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(rows.map((r) => r.event)).toEqual(["submission.needs_review", "submission.completed"]);

    // The same link again: the submission no longer waits.
    const again = await follow(links.approve);
    expect(again.status).toBe(409);
  });

  it("fails the submission, with one failure notice, when the admin rejects", async () => {
    const id = await submitReviewed("review-no@example.com");
    const { reject } = await reviewLinks(KEY, "http://127.0.0.1:8787", id);
    expect((await follow(reject)).status).toBe(200);
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.error).toBe("The review step failed: The result was rejected in review.");
    expect(failed.steps.find((s) => s.name === "notify")?.status).toBe("skipped");
    const rows = await vi.waitFor(
      async () => {
        const r = await notificationRows(id);
        if (r.find((n) => n.event === "submission.failed")?.status !== "sent") throw new Error("not sent");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(rows.map((r) => r.event).sort()).toEqual(["submission.failed", "submission.needs_review"]);
  });

  it("refuses forged, swapped and expired links with 403 problem+json, and leaves the job waiting", async () => {
    const id = await submitReviewed("review-forged@example.com");
    const expires = Date.now() + 60_000;
    const rejectSig = await signReview(KEY, id, "reject", expires);
    const stale = Date.now() - 1;
    const cases = [
      `?decision=approve&expires=${expires}&signature=${"A".repeat(43)}`,
      // A reject signature does not approve.
      `?decision=approve&expires=${expires}&signature=${rejectSig}`,
      `?decision=approve&expires=${stale}&signature=${await signReview(KEY, id, "approve", stale)}`,
    ];
    for (const query of cases) {
      const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}/review${query}`, { method: "POST" });
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const snapshot = await runInDurableObject(env.JOB_COORDINATOR.getByName(id), (o: JobCoordinator) => o.snapshot());
    expect(snapshot?.review?.status).toBe("waiting");
    // Tidy: let the job finish.
    expect((await follow((await reviewLinks(KEY, "http://x", id)).approve)).status).toBe(200);
    await waitForStatus(id, ["completed"]);
  });
});
