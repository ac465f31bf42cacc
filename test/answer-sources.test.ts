/**
 * A result's sources where people see them: the API's submission view and the portal's
 * request page, from a submission row whose `sources` column the test writes itself (the
 * compose step writes it in a job; `test/answer.node.test.ts` proves what compose stores).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { composeDocument } from "../shared/ai/document";
import { db } from "../shared/db/client";
import type { Source } from "../shared/retrieval/types";
import { findUserByEmail } from "../workers/auth/service";
import { api, apiKeyFor } from "./helpers/api";
import { submissionRow } from "./helpers/rows";
import { signedInAs } from "./helpers/session";

const SOURCES: Source[] = [
  {
    n: 1,
    title: "Online booking",
    section: "Pricing",
    url: "https://statex.example/services/booking/#pricing",
    locale: "en",
    score: 3.5,
  },
  {
    n: 2,
    title: 'Evil <script>alert("x")</script>',
    section: "<b>Bold</b>",
    url: 'https://statex.example/x/?a="><script>',
    locale: "en",
    score: 1,
  },
  { n: 3, title: "Not a web link", section: null, url: "javascript:alert(1)", locale: "cs", score: 0.5 },
];

async function completedFor(email: string, sources: string | null) {
  const user = await findUserByEmail(db(env.DB), email);
  if (!user) throw new Error("no user");
  const id = await submissionRow({ user, status: "completed", resultKey: "pending", sources });
  const key = `results/${id}.md`;
  const { markdown } = composeDocument({
    structured: {
      summary: "Booking.",
      answer: [{ text: "€1,200 per clinic.", citations: ["en:b#p"] }],
      understood: [],
      proposals: [],
      questions: [],
    },
    passages: [{ id: "en:b#p", locale: "en", title: "Online booking", section: "Pricing", url: "/b/#p", score: 1 }],
    label: "Test.",
    baseUrl: "https://statex.example",
  });
  await env.FILES.put(key, markdown);
  await env.DB.prepare("UPDATE submissions SET result_key = ? WHERE id = ?").bind(key, id).run();
  return id;
}

describe("sources in the API view", () => {
  it("lists the stored sources, in order, without their numbers", async () => {
    const email = "sources-api@example.com";
    const key = await apiKeyFor(email);
    const id = await completedFor(email, JSON.stringify(SOURCES));
    const res = await api(key, "GET", `/v1/submissions/${id}`);
    expect(res.status).toBe(200);
    const view = await res.json<{ sources: unknown; result: { markdown: string } }>();
    expect(view.sources).toEqual(SOURCES.map(({ n: _n, ...rest }) => rest));
    expect(view.result.markdown).toContain("## Sources\n\n1. [Online booking — Pricing](https://statex.example/b/#p)");
  });

  it("shows an empty list when there are none, or when the stored column is not what it should be", async () => {
    const email = "sources-none@example.com";
    const key = await apiKeyFor(email);
    for (const stored of [null, "not json", JSON.stringify([{ title: 5 }]), JSON.stringify({ a: 1 })]) {
      const id = await completedFor(email, stored);
      const view = await (await api(key, "GET", `/v1/submissions/${id}`)).json<{ sources: unknown }>();
      expect(view.sources).toEqual([]);
    }
  });

  it("documents `sources` in the OpenAPI description", async () => {
    const res = await api(await apiKeyFor("sources-doc@example.com"), "GET", "/openapi.json");
    const doc = await res.json<{ components: { schemas: Record<string, { properties?: Record<string, unknown> }> } }>();
    expect(doc.components.schemas.Submission?.properties).toHaveProperty("sources");
    expect(doc.components.schemas.SubmissionSource?.properties).toHaveProperty("url");
  });
});

describe("sources on the portal's request page", () => {
  it("links each web source under the result, everything escaped", async () => {
    const email = "sources-portal@example.com";
    const client = await signedInAs(email);
    const id = await completedFor(email, JSON.stringify(SOURCES));
    const html = await client.page(`/app/requests/${id}`);
    const list = html.slice(html.indexOf('<ol class="sources"'));
    expect(list).toContain(
      '<a href="https://statex.example/services/booking/#pricing" rel="noopener">Online booking</a>',
    );
    expect(list).toContain("Evil &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(list).toContain("&lt;b&gt;Bold&lt;/b&gt;");
    expect(list).toContain('href="https://statex.example/x/?a=&quot;&gt;&lt;script&gt;"');
    expect(html).not.toContain('<script>alert("x")</script>');
    // A non-web URL is shown as text, never as a link.
    expect(list).toContain("<li>Not a web link</li>");
    expect(html).not.toContain('href="javascript:');
  });
});
