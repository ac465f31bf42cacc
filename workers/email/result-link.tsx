/**
 * `/email/result/<token>`: a result too large for an email, behind a signed, expiring link that
 * works without signing in (purpose `download`, 14 days). The page renders the markdown through
 * the same sanitiser as the portal; `?format=md` downloads the markdown itself.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { raw } from "hono/html";
import { submissions } from "../../shared/db/schema";
import { renderMarkdown } from "../../shared/markdown";
import { issueToken, readToken, signingKey } from "../../shared/signing";
import { db } from "../api/submissions/repo";
import type { AppEnv } from "../app-env";
import { Layout } from "../portal/layout";

export const RESULT_LINK_TTL_MS = 14 * 24 * 3600_000;
/** Results larger than this (UTF-8 bytes of markdown) are mailed as a link, not inline. */
export const MAX_INLINE_RESULT_BYTES = 100 * 1024;

export async function resultLink(env: Env, submissionId: string, now = Date.now()): Promise<string> {
  const token = await issueToken(signingKey(env), "download", submissionId, RESULT_LINK_TTL_MS, now);
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/email/result/${token}`;
}

export const resultRoutes = new Hono<AppEnv>().get("/result/:token", async (c) => {
  const key = signingKey(c.env);
  const check = key ? await readToken(key, "download", c.req.param("token")) : ({ status: "invalid" } as const);
  const fail = (status: 400 | 404 | 410, title: string, text: string) =>
    c.html(
      <Layout title={title}>
        <div class="card narrow">
          <h1>{title}</h1>
          <p>{text}</p>
        </div>
      </Layout>,
      status,
    );
  if (check.status !== "ok") {
    return check.status === "expired"
      ? fail(410, "This link has expired", "Result links work for 14 days. Sign in to the portal to read it.")
      : fail(400, "This link is not valid", "Open it from the email we sent you.");
  }
  const [s] = await db(c.env.DB).select().from(submissions).where(eq(submissions.id, check.subject)).limit(1);
  const object = s?.resultKey ? await c.env.FILES.get(s.resultKey) : null;
  if (!s || !object) return fail(404, "No result here", "This request has no result, or it was removed.");
  c.header("cache-control", "private, no-store");
  c.header("x-robots-tag", "noindex");
  if (c.req.query("format") === "md") {
    return c.body(object.body, 200, {
      "content-type": "text/markdown; charset=utf-8",
      "content-disposition": `attachment; filename="${s.id}.md"`,
    });
  }
  return c.html(
    <Layout title={`Result of ${s.id}`}>
      <div class="card">
        <h1>Result of request {s.id}</h1>
        <p>
          <a href={`${c.req.path}?format=md`}>Download as markdown</a>
        </p>
        <div class="result">{raw(renderMarkdown(await object.text()))}</div>
      </div>
    </Layout>,
  );
});
