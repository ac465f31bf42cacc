/**
 * `withoutSitePassages()`: the built site marked ingested with no pages left, so the pipeline's
 * `retrieve` step finds no passages. For tests about something else (provider faults, retries)
 * whose scripted model answers must not depend on what the demo content happens to match.
 */
import { env } from "cloudflare:workers";
import { ensureContentIngested } from "../../shared/content/ingest";

export async function withoutSitePassages(): Promise<void> {
  await ensureContentIngested(env);
  await env.DB.batch([env.DB.prepare("DELETE FROM content_passages"), env.DB.prepare("DELETE FROM content_pages")]);
}
