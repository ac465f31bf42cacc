/**
 * The shapes of a route definition, an address and a forwarding rule as an admin enters them:
 * zod schemas are the one contract, checked before anything is written, so a malformed
 * definition changes nothing and its first problem is what the admin reads. Addresses are kept
 * to what every mail system accepts unquoted (RFC 5321 dot-atoms of letters, digits and
 * `._+-`), lower-cased, within the 64/254-character limits.
 */
import { z } from "zod";
import { ACK_LOCALES, FORWARD_VERDICTS, ROUTE_REVIEW_POLICIES } from "../../db/schema";
import { WORKFLOW_NAMES } from "../../pipeline/workflows";

const LOCAL = /^[a-z0-9_-](?:[a-z0-9._+-]{0,62}[a-z0-9_-])?$/;
const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters (but the newline) are what is removed
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;
/** The longest acknowledgement text a route adds. */
export const ACK_TEXT_CHARS = 2000;

/** Whether `value` is a plain `local@domain` address (lower case). */
export function isPlainAddress(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at <= 0 || value.length > 254) return false;
  const local = value.slice(0, at);
  return LOCAL.test(local) && !local.includes("..") && DOMAIN.test(value.slice(at + 1));
}

/** A domain name as a rule or catch-all names it. */
export const domainField = z
  .string()
  .trim()
  .toLowerCase()
  .refine((d) => DOMAIN.test(d), { error: "Not a domain name (like example.com)." })
  .describe("A domain name, lower-cased");

/** An inbound address: `local@domain`, `local+tag@domain`, or the catch-all `*@domain`. */
export const inboundAddressField = z
  .string()
  .trim()
  .toLowerCase()
  .refine((a) => isPlainAddress(a) || (a.startsWith("*@") && DOMAIN.test(a.slice(2))), {
    error: "Not an address: use name@domain, name+tag@domain, or *@domain for a catch-all.",
  })
  .describe("An inbound address, or *@domain for the domain's catch-all");

/** Where a forward goes: one plain address. */
export const destinationField = z
  .string()
  .trim()
  .toLowerCase()
  .refine(isPlainAddress, { error: "The destination is not a valid email address." })
  .describe("A verified Email Routing destination address");

const flag = z
  .union([z.literal("on"), z.literal("")])
  .optional()
  .transform((v) => v === "on");

/** A route as the admin page posts it. */
export const routeInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the route a name.")
    .max(80, "Keep the name under 80 characters.")
    .describe("A name for admins"),
  workflow: z.enum(WORKFLOW_NAMES, { error: "Unknown workflow." }).describe("The workflow its requests run"),
  reviewPolicy: z.enum(ROUTE_REVIEW_POLICIES, { error: "Unknown review policy." }).describe("default: the workflow's"),
  assigneeId: z.string().trim().max(40).describe("Whom its requests are assigned to; empty: nobody"),
  ackLocale: z.enum(ACK_LOCALES, { error: "Unknown language." }).describe("The language of its acknowledgements"),
  ackText: z
    .string()
    .max(ACK_TEXT_CHARS, `Keep the acknowledgement text under ${ACK_TEXT_CHARS} characters.`)
    .transform((t) => t.replace(/\r\n?/g, "\n").replace(CONTROL, "").trim())
    .describe("A paragraph added to its acknowledgements"),
  enabled: flag.describe("Whether mail to it is taken in"),
});
export type RouteInput = z.infer<typeof routeInput>;

/** An address or alias of a route. */
export const addressInput = z.object({
  address: inboundAddressField,
  plusTags: flag.describe("Whether name+tag@domain reaches it too"),
});
export type AddressInput = z.infer<typeof addressInput>;

/** A forwarding rule of a route. */
export const forwardRuleInput = z.object({
  destination: destinationField,
  matchAddress: z
    .string()
    .trim()
    .toLowerCase()
    .transform((v) => v || null)
    .describe("Only mail to this address of the route; empty: any"),
  matchSenderDomain: z
    .union([z.literal(""), domainField])
    .transform((v) => v || null)
    .describe("Only mail from this domain or its subdomains; empty: any"),
  matchSubject: z
    .string()
    .trim()
    .toLowerCase()
    .max(200, "Keep the subject words under 200 characters.")
    .describe("Only mail whose subject holds one of these words; empty: any"),
  matchVerdict: z
    .union([z.literal(""), z.enum(FORWARD_VERDICTS)], { error: "Unknown spam verdict." })
    .transform((v) => v || null)
    .describe("Only mail with this spam verdict; empty: any"),
  stop: flag.describe("Forward only: no request, no acknowledgement"),
});
export type ForwardRuleInput = z.infer<typeof forwardRuleInput>;
