const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID (26 Crockford base32 chars: 48-bit millisecond time, 80 random bits). Ids sort by
 * creation time, which keeps D1 index pages warm and makes cursor paging a plain `id <` range.
 */
export function ulid(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (let i = 0; i < 16; i++) rand += CROCKFORD[(random[i] ?? 0) % 32];
  return time + rand;
}

/** Public submission ids: `sub_` + ULID. */
export const newSubmissionId = (now?: number): string => `sub_${ulid(now)}`;

/** Shape check for submission ids, so hostile path segments never reach storage keys. */
export const SUBMISSION_ID_PATTERN = /^sub_[0-9A-HJKMNP-TV-Z]{26}$/;
