/**
 * `analyse`: the request text, with the transcript and document texts of the earlier steps,
 * cut to what the model may read, and the retrieved passages of our site (`passagesOf`),
 * analysed by the provider chain into the grounded, cited report that `compose` renders.
 * Audio that could not be transcribed is passed as a notice, never as request text.
 */
import { truncate } from "../../ai";
import { callOptions, providerChain } from "./ai";
import type { Gathered, StepContext, StepRunner } from "./context";
import { passagesOf } from "./passages";
import { untranscribedNotices } from "./transcribe";

/** How much gathered text (request, transcripts, documents) goes to the model. */
export const MAX_ANALYSIS_CHARS = 60_000;

/** Analyses everything the request carried; its output is the `Analysis`. */
export const analyse: StepRunner = async (ctx) => {
  const gathered = await ctx.output<Gathered>("gather");
  const parts = [gathered.text, ...(await workTexts(ctx))];
  const text = truncate(parts.filter(Boolean).join("\n\n"), MAX_ANALYSIS_CHARS);
  const passages = await passagesOf(ctx);
  const notices = await untranscribedNotices(ctx);
  const analysis = await providerChain(ctx).analyse(
    { submissionId: ctx.job.id, text, passages, notices },
    callOptions(ctx),
  );
  return { output: analysis, provider: `${analysis.provider}:${analysis.model}` };
};

/** Transcript and document texts gathered by earlier steps, for the model. */
async function workTexts(ctx: StepContext): Promise<string[]> {
  const texts: string[] = [];
  const transcript = await ctx.workText("transcribe");
  if (transcript) texts.push(`## Transcript of the audio\n\n${transcript}`);
  const documents = await ctx.workText("extract");
  if (documents) texts.push(`## Documents\n\n${documents}`);
  return texts;
}
