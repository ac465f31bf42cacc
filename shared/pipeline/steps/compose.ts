/**
 * `compose`: the result document. With an `analyse` step, its report and the transcript;
 * without one (the `transcribe` workflow), the transcript alone, summarised by its opening.
 * The markdown goes to R2 (`resultKey`) and its key, summary and provider onto the submission.
 */
import { type Analysis, truncate } from "../../ai";
import { resultKey } from "../../submissions/keys";
import { stepsOf } from "../workflows";
import type { StepRunner } from "./context";

/** Writes the result document and records it on the submission. */
export const compose: StepRunner = async (ctx) => {
  let markdown: string;
  let summary: string;
  let provider: string;
  let model: string;
  const transcript = await ctx.workText("transcribe");
  if (stepsOf(ctx.job.workflow).includes("analyse")) {
    const analysis = await ctx.output<Analysis>("analyse");
    markdown = analysis.markdown.trimEnd();
    if (transcript) markdown += `\n\n## Transcript\n\n${transcript}`;
    summary = analysis.summary;
    provider = analysis.provider;
    model = analysis.model;
  } else {
    markdown = `# Transcript\n\n${transcript ?? "_The request carried no audio._"}`;
    summary = truncate((transcript ?? "").replace(/^#.*$/gm, "").replace(/\s+/g, " ").trim(), 500);
    const used = ctx.providerOf("transcribe") ?? "none";
    [provider, model] = [used.split(":")[0] ?? "none", used.split(":").slice(1).join(":") || "none"];
  }
  const key = resultKey(ctx.job.id);
  await ctx.env.FILES.put(key, `${markdown}\n`, {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
    customMetadata: { submissionId: ctx.job.id, provider, model },
  });
  await ctx.recordResult({ key, summary, provider });
  return { output: { key } };
};
