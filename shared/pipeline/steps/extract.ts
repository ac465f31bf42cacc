/**
 * `extract`: the text of every gathered document (`shared/extract.ts`), each memoized as a
 * part of the step, so a retry reads only the documents not done. A document that cannot be
 * read fails the job at once. The joined text goes to R2 (`documentsKey`).
 */
import { extractDocumentText, UnsupportedDocumentError } from "../../extract";
import { documentsKey } from "../../submissions/keys";
import { PermanentStepError } from "../errors";
import type { Gathered, StepRunner } from "./context";

/** Extracts the gathered documents' text; skipped when the request has none. */
export const extract: StepRunner = async (ctx) => {
  const gathered = await ctx.output<Gathered>("gather");
  if (gathered.documents.length === 0) return { skipped: true, output: { skipped: "no documents" } };
  const sections: string[] = [];
  for (const [i, file] of gathered.documents.entries()) {
    let text = ctx.part<string>("extract", String(i));
    if (text === null) {
      const object = await ctx.env.FILES.get(file.key);
      if (!object) throw new PermanentStepError(`The document "${file.name}" is missing from storage.`);
      try {
        text = await extractDocumentText({
          bytes: new Uint8Array(await object.arrayBuffer()),
          contentType: file.contentType,
          name: file.name,
        });
      } catch (cause) {
        if (cause instanceof UnsupportedDocumentError) throw new PermanentStepError(cause.message, cause);
        throw cause;
      }
      ctx.setPart("extract", String(i), text);
    }
    sections.push(`### ${file.name}\n\n${text}`);
  }
  const key = documentsKey(ctx.job.id);
  await ctx.env.FILES.put(key, sections.join("\n\n"), {
    httpMetadata: { contentType: "text/markdown; charset=utf-8" },
  });
  return { output: { key } };
};
