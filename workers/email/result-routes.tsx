/**
 * `/email/result/<token>`: a result too large for an email, behind a signed, expiring link that
 * works without signing in (purpose `download`, 14 days). The page renders the markdown through
 * the same sanitiser as the portal; `?format=md` downloads the markdown itself.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { raw } from "hono/html";
import { db } from "../../shared/db/client";
import { submissions } from "../../shared/db/schema";
import { renderMarkdown } from "../../shared/markdown";
import { readToken, signingKey } from "../../shared/signing";
import { resultReleased } from "../../shared/submissions/release";
import type { AppEnv } from "../app-env";
import { Layout } from "../portal/layout";

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
  const object = s?.resultKey && resultReleased(s) ? await c.env.FILES.get(s.resultKey) : null;
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
