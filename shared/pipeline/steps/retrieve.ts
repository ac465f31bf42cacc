/**
 * `retrieve`: the passages of our site that bear on the request, for `analyse` to answer from
 * and cite. It first makes sure the site build being served is ingested (the job's Durable
 * Object has the same `ASSETS` binding as the content routes), then retrieves with the request
 * text, the transcript and the document text as the query's parts, preferring the request's
 * detected language. Its output is the `Retrieval`, stored with the step, so a retried `analyse`
 * reuses it instead of searching again. No site, or nothing matching: success, zero passages.
 */
import { detectLanguage } from "../../ai/local";
import { type ContentEnv, ensureContentIngested } from "../../content/ingest";
import { retrieve as retrievePassages } from "../../retrieval";
import type { Retrieval } from "../../retrieval/types";
import type { Gathered, StepRunner } from "./context";

/** How much text the request's language is detected from. */
const DETECT_CHARS = 2_000;

export const retrieve: StepRunner = async (ctx) => {
  const gathered = await ctx.output<Gathered>("gather");
  const parts = [gathered.text, (await ctx.workText("transcribe")) ?? "", (await ctx.workText("extract")) ?? ""];
  const { DB, ASSETS } = ctx.env;
  if (!DB || !ASSETS) return { output: { query: "", passages: [] } satisfies Retrieval };
  // The job engine hands the Worker's whole `Env`; the guard above proves the bindings retrieval needs.
  const env = ctx.env as unknown as ContentEnv;
  await ensureContentIngested(env, ctx.log);
  ctx.signal.throwIfAborted();
  const locale = detectLanguage(parts.filter(Boolean).join("\n\n").slice(0, DETECT_CHARS));
  const retrieval = await retrievePassages(env, parts, { locale, signal: ctx.signal });
  ctx.log.info("passages retrieved", { passages: retrieval.passages.length, locale });
  return { output: retrieval };
};
