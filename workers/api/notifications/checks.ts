/**
 * What the notification API checks beyond its schemas, as 422 problems pointing at the field:
 * an event on a channel it is not sent on, a destination address the channel cannot use, and
 * placeholders a template's event does not offer.
 */
import type { Channel, NotificationEvent } from "../../../shared/db/schema";
import { HttpProblem } from "../../../shared/http/problem";
import { channelsFor, checkDestination, type DestinationChannel } from "../../../shared/notifications/preferences";
import { TEMPLATE_VARS, unknownPlaceholders } from "../../../shared/notifications/templates";

const unprocessable = (pointer: string, detail: string) =>
  new HttpProblem(422, "validation", "Validation Failed", `${pointer}: ${detail}`, { errors: [{ pointer, detail }] });

/** Throws when `event` is not sent on `channel` (the digest is email only). */
export function checkChannel(event: NotificationEvent, channel: Channel, pointer: string): void {
  if (!channelsFor(event).includes(channel)) throw unprocessable(pointer, `${event} is sent by email only`);
}

/** The destination address in its stored form; throws when the channel cannot use it. */
export function checkedAddress(channel: DestinationChannel, raw: string): string {
  const checked = checkDestination(channel, raw);
  if (!checked.ok) throw unprocessable("/address", checked.reason);
  return checked.address;
}

/** Throws at the first of subject and body that uses a placeholder the event does not offer. */
export function checkPlaceholders(event: NotificationEvent, text: { subject: string; body: string }): void {
  for (const field of ["subject", "body"] as const) {
    const unknown = unknownPlaceholders(event, text[field]);
    if (unknown.length) {
      throw unprocessable(
        `/${field}`,
        `unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(", ")}; ${event} offers ${TEMPLATE_VARS[event].join(", ")}`,
      );
    }
  }
}
