/**
 * `gather`: reads the stored input and sorts its files into audio (for `transcribe`) and
 * documents (for `extract`). A file of any other kind fails the job at once: no retry can
 * make it readable.
 */
import { documentKind, isAudio } from "../../extract";
import type { StoredInput } from "../../submissions/accept";
import { PermanentStepError } from "../errors";
import type { Gathered, StepRunner } from "./context";

/** Sorts the request's files by kind; its output is the `Gathered` the later steps read. */
export const gather: StepRunner = async (ctx) => {
  const object = await ctx.env.FILES.get(ctx.job.inputKey);
  if (!object) throw new PermanentStepError("The request's input is missing from storage.");
  const input = (await object.json()) as StoredInput;
  const gathered: Gathered = { text: input.text, audio: [], documents: [] };
  for (const file of input.files ?? []) {
    if (isAudio(file.contentType, file.name)) gathered.audio.push(file);
    else if (documentKind(file.contentType, file.name)) gathered.documents.push(file);
    else throw new PermanentStepError(`The file "${file.name}" (${file.contentType}) is not supported.`);
  }
  return { output: gathered };
};
