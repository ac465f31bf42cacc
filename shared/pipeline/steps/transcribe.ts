/**
 * `transcribe`: every audio file, cut into chunks the transcription APIs accept, each chunk
 * memoized as a part of the step as soon as it is done, so a retry resumes at the first chunk
 * not done. The stitched transcript goes to R2 (`transcriptKey`); it holds only text that was
 * transcribed. A chunk no provider could transcribe (the offline marker) is not request text:
 * its file is named in the output's `untranscribed`, and later steps show it as a notice
 * (`untranscribedNotices`).
 */
import { audioChunks } from "../../extract";
import { transcriptKey } from "../../submissions/keys";
import { PermanentStepError } from "../errors";
import { stepsOf } from "../workflows";
import { callOptions, providerChain } from "./ai";
import type { Gathered, StepContext, StepRunner } from "./context";

/** Below the 25 MB upload limit of OpenAI-compatible transcription APIs. */
const AUDIO_CHUNK_BYTES = 20 * 1024 * 1024;

/** One transcribed chunk, as memoized. */
interface ChunkDone {
  text: string;
  transcribed: boolean;
  provider: string;
}

/** Transcribes the gathered audio chunk by chunk; skipped when the request has none. */
export const transcribe: StepRunner = async (ctx) => {
  const gathered = await ctx.output<Gathered>("gather");
  if (gathered.audio.length === 0) return { skipped: true, output: { skipped: "no audio" } };
  const chain = providerChain(ctx);
  const sections: string[] = [];
  const untranscribed: string[] = [];
  let transcribedAll = true;
  const providers = new Set<string>();
  for (const [i, file] of gathered.audio.entries()) {
    const object = await ctx.env.FILES.get(file.key);
    if (!object) throw new PermanentStepError(`The audio "${file.name}" is missing from storage.`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    const chunkBytes = Number(ctx.env.AUDIO_CHUNK_BYTES) || AUDIO_CHUNK_BYTES;
    const chunks = audioChunks(bytes, file.contentType, file.name, chunkBytes);
    const texts: string[] = [];
    for (const [j, chunk] of chunks.entries()) {
      // Each chunk is memoized on its own: a retry resumes at the first chunk not done.
      const part = `${i}:${j}`;
      let done = ctx.part<ChunkDone>("transcribe", part);
      if (!done) {
        const t = await chain.transcribe(
          { bytes: chunk, contentType: file.contentType, name: file.name },
          callOptions(ctx),
        );
        done = { text: t.text, transcribed: t.transcribed, provider: `${t.provider}:${t.model}` };
        ctx.setPart("transcribe", part, done);
        ctx.log.info("audio chunk transcribed", { file: file.name, chunk: j, of: chunks.length });
      }
      if (done.transcribed) texts.push(done.text);
      else if (!untranscribed.includes(file.name)) untranscribed.push(file.name);
      transcribedAll &&= done.transcribed;
      providers.add(done.provider);
    }
    if (texts.length > 0) sections.push(`### ${file.name}\n\n${texts.join(" ")}`);
  }
  const key = transcriptKey(ctx.job.id);
  await ctx.env.FILES.put(key, sections.join("\n\n"), {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
  });
  return { output: { key, transcribed: transcribedAll, untranscribed }, provider: [...providers].join(",") };
};

/** The transcribe step's output, as `untranscribedNotices` reads it. */
interface Transcribed {
  untranscribed?: string[];
}

/** One notice line per audio file (or part of one) that could not be transcribed. */
export async function untranscribedNotices(ctx: StepContext): Promise<string[]> {
  if (!stepsOf(ctx.job.workflow).includes("transcribe")) return [];
  const output = await ctx.output<Transcribed>("transcribe");
  return (output.untranscribed ?? []).map(
    (name) =>
      `The voice note "${name
        .replace(/["\s]+/g, " ")
        .trim()
        .slice(0, 120)}" could not be transcribed offline.`,
  );
}
