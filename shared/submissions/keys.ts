/**
 * Every R2 key shape of a request, stated once (as workers-oauth-provider's storage-keys module
 * does): what is kept, where, and what removing a submission must sweep.
 *
 * | Key                                   | What                                         |
 * | ------------------------------------- | -------------------------------------------- |
 * | `inputs/<id>.json`                    | the raw input (`StoredInput`)                |
 * | `results/<id>.md`                     | the result markdown                          |
 * | `files/<id>/<fileId>`                 | each uploaded file or attachment             |
 * | `work/<id>/transcript.md`             | the transcribe step's transcript             |
 * | `work/<id>/documents.md`              | the extract step's document text             |
 * | `work/<id>/steps/<step>.json`         | a step output too large for the job's SQLite |
 * | `work/<id>/mail/<inboundId>.eml`      | a confirmed inbound message, kept raw        |
 * | `mail/pending/<inboundId>.eml`        | an inbound message awaiting confirmation     |
 */

export const inputKey = (id: string) => `inputs/${id}.json`;
export const resultKey = (id: string) => `results/${id}.md`;
export const fileKey = (submissionId: string, fileId: string) => `files/${submissionId}/${fileId}`;
export const transcriptKey = (id: string) => `work/${id}/transcript.md`;
export const documentsKey = (id: string) => `work/${id}/documents.md`;
export const stepOutputKey = (id: string, step: string) => `work/${id}/steps/${step}.json`;
export const messageKey = (submissionId: string, inboundId: string) => `work/${submissionId}/mail/${inboundId}.eml`;
export const pendingRawKey = (inboundId: string) => `mail/pending/${inboundId}.eml`;

/** The prefixes that hold a submission's objects besides its input and result. */
export const submissionPrefixes = (id: string) => [`work/${id}/`, `files/${id}/`];
