/**
 * Which attachments of an inbound message a request can use, by the rules every upload obeys
 * (size limit, content of an accepted type), and which it cannot, with why: in words naming
 * the file for the sender's rejection, and without the name for an acknowledgement.
 */
import { ACCEPTED_SUMMARY, SNIFF_BYTES, verifyFileType } from "../filetypes";
import { formatBytes, type UploadLimits } from "../submissions/files";
import type { InboundAttachment, ParsedMail } from "./parse";

/**
 * The attachments a request can use: files (not inline images) within the size limit whose
 * content matches an accepted type — the same rules as uploads. The rest are named, with why.
 */
export function checkAttachments(mail: Pick<ParsedMail, "attachments">, limits: UploadLimits) {
  const usable: InboundAttachment[] = [];
  /** `detail` names the file (for the sender's own rejection); `problem` does not (for acknowledgements). */
  const refused: { name: string; detail: string; problem: string }[] = [];
  for (const a of mail.attachments) {
    if (a.inline) continue;
    if (a.size > limits.maxFileBytes) {
      refused.push({
        name: a.filename,
        detail: `${a.filename} is larger than ${formatBytes(limits.maxFileBytes)}.`,
        problem: `larger than ${formatBytes(limits.maxFileBytes)}`,
      });
      continue;
    }
    const verdict = verifyFileType(a.content.subarray(0, SNIFF_BYTES), a.mimeType, a.filename);
    if (verdict.ok) usable.push(a);
    else
      refused.push({
        name: a.filename,
        detail: verdict.detail,
        problem: `not of an accepted type (${ACCEPTED_SUMMARY})`,
      });
  }
  return { usable, refused };
}
