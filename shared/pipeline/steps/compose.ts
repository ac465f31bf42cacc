/**
 * `compose`: the result document. With an `analyse` step, its grounded report, rendered by the
 * one composer (`shared/ai/document.ts`) with absolute links under `PUBLIC_BASE_URL`, then the
 * transcript; without one (the `transcribe` workflow), the transcript alone, summarised by its
 * opening. Audio that could not be transcribed appears once, as a notice. The markdown goes to
 * R2 (`resultKey`); its key, summary, provider and the cited sources onto the submission.
 */
import { type Analysis, composeDocument, truncate } from "../../ai";
import type { Source } from "../../retrieval/types";
import { resultKey } from "../../submissions/keys";
import { stepsOf } from "../workflows";
import type { StepRunner } from "./context";
import { untranscribedNotices } from "./transcribe";

/** Writes the result document and records it on the submission. */
export const compose: StepRunner = async (ctx) => {
  let markdown: string;
  let summary: string;
  let provider: string;
  let model: string;
  let sources: Source[] = [];
  const transcript = await ctx.workText("transcribe");
  const notices = await untranscribedNotices(ctx);
  if (stepsOf(ctx.job.workflow).includes("analyse")) {
    const analysis = await ctx.output<Analysis>("analyse");
    const document = composeDocument({
      structured: analysis.structured,
      passages: analysis.cited ?? [],
      label: analysis.label ?? `Written by ${analysis.provider}:${analysis.model}.`,
      notices: analysis.notices ?? notices,
      baseUrl: ctx.env.PUBLIC_BASE_URL,
    });
    markdown = document.markdown.trimEnd();
    sources = document.sources;
    if (transcript) markdown += `\n\n## Transcript\n\n${transcript}`;
    summary = analysis.summary;
    provider = analysis.provider;
    model = analysis.model;
  } else {
    const notes = notices.map((n) => `> ${n}\n\n`).join("");
    markdown = `# Transcript\n\n${notes}${transcript || (notices.length > 0 ? "_No audio could be transcribed._" : "_The request carried no audio._")}`;
    const plain = (transcript ?? "").replace(/^#.*$/gm, "").replace(/\s+/g, " ").trim();
    summary = truncate(plain || notices.join(" "), 500);
    const used = ctx.providerOf("transcribe") ?? "none";
    [provider, model] = [used.split(":")[0] ?? "none", used.split(":").slice(1).join(":") || "none"];
  }
  const key = resultKey(ctx.job.id);
  await ctx.env.FILES.put(key, `${markdown}\n`, {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
    customMetadata: { submissionId: ctx.job.id, provider, model },
  });
  await ctx.recordResult({ key, summary, provider, sources });
  return { output: { key } };
};
