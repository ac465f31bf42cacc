/**
 * `transcribe`: every audio file, cut into chunks the transcription APIs accept, each chunk
 * memoized as a part of the step as soon as it is done, so a retry resumes at the first chunk
 * not done. The stitched transcript goes to R2 (`transcriptKey`).
 */
import { audioChunks } from "../../extract";
import { transcriptKey } from "../../submissions/keys";
import { PermanentStepError } from "../errors";
import { callOptions, providerChain } from "./ai";
import type { Gathered, StepRunner } from "./context";

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
      texts.push(done.text);
      transcribedAll &&= done.transcribed;
      providers.add(done.provider);
    }
    sections.push(`### ${file.name}\n\n${texts.join(" ")}`);
  }
  const key = transcriptKey(ctx.job.id);
  await ctx.env.FILES.put(key, sections.join("\n\n"), {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
  });
  return { output: { key, transcribed: transcribedAll }, provider: [...providers].join(",") };
};
