import { submissionPrefixes } from "./keys";

/**
 * Every R2 key of a submission: its raw input, its result, the large step outputs of its job
 * (`work/<id>/`) and its uploaded files (`files/<id>/`). Used wherever a submission is
 * removed for good (retention, account deletion), so nothing of it is left behind.
 */
export async function submissionObjectKeys(
  bucket: R2Bucket,
  s: { id: string; inputKey: string; resultKey: string | null },
): Promise<string[]> {
  const keys = [s.inputKey, ...(s.resultKey ? [s.resultKey] : [])];
  for (const prefix of submissionPrefixes(s.id)) {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix, cursor });
      keys.push(...page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  return keys;
}

/** R2 deletes take at most this many keys per call. */
const DELETE_BATCH = 1000;

export async function deleteObjects(bucket: R2Bucket, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) await bucket.delete(keys.slice(i, i + DELETE_BATCH));
}
