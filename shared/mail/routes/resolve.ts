/**
 * The route of one inbound message, decided from its envelope recipient before anything else
 * is read: a configured address (or alias, `+tag`, catch-all) gives the workflow, review
 * policy, assignee and acknowledgement of what it starts; a route switched off, or an address
 * nobody configured, is refused. `INBOUND_ADDRESS` keeps a built-in route (the defaults every
 * deployment had before routes existed) until an admin configures that address itself, so a
 * deployment without rows, and every signed thread address under it, works as before. The
 * return path of our own mail (`MAIL_FROM`) is not a mailbox, but bounces and complaints
 * arrive there: it passes here, for `policy.ts` to take reports and refuse the rest.
 */
import { db } from "../../db/client";
import type { AckLocale, MailForwardRuleRow, RouteReviewPolicy } from "../../db/schema";
import { parseMailbox } from "../../notifications/compose";
import { DEFAULT_WORKFLOW, WORKFLOW_NAMES, type WorkflowName } from "../../pipeline/workflows";
import { inboundAddress } from "../address";
import { type AddressEntry, matchAddress } from "./match";
import { type RoutedAddress, routingFor } from "./repo";

/** What a route makes of the mail it takes in. */
export interface Route {
  /** `mr_…`, or `default` for `INBOUND_ADDRESS`'s built-in route. */
  id: string;
  name: string;
  /** The configured address the recipient reached (`*@domain` for a catch-all). */
  address: string;
  /** The `+tag` of the recipient, when it had one. */
  tag: string | null;
  workflow: WorkflowName;
  reviewPolicy: RouteReviewPolicy;
  assigneeId: string | null;
  ackLocale: AckLocale;
  ackText: string;
}

export type RouteDecision =
  | { kind: "route"; route: Route; rules: MailForwardRuleRow[] }
  | { kind: "return-path" }
  | { kind: "off"; address: string }
  | { kind: "unknown" };

/** `INBOUND_ADDRESS`'s route while no admin has configured that address. */
export function builtInRoute(env: Env, tag: string | null = null): Route {
  return {
    id: "default",
    name: "Default (INBOUND_ADDRESS)",
    address: inboundAddress(env).address,
    tag,
    workflow: DEFAULT_WORKFLOW,
    reviewPolicy: "default",
    assigneeId: null,
    ackLocale: "en",
    ackText: "",
  };
}

const BUILT_IN = "default";

/** The route `recipient` reaches. */
export async function resolveRoute(env: Env, recipient: string): Promise<RouteDecision> {
  const to = recipient.trim().toLowerCase();
  const { addresses, rules } = await routingFor(db(env.DB), to);
  const inbound = inboundAddress(env).address;
  const entries: (AddressEntry & { row?: RoutedAddress })[] = addresses.map((row) => ({ ...row, row }));
  if (!entries.some((e) => e.address === inbound))
    entries.push({ address: inbound, routeId: BUILT_IN, plusTags: true });
  const match = matchAddress(entries, to);
  if (!match) {
    return to === parseMailbox(env.MAIL_FROM).addr.toLowerCase() ? { kind: "return-path" } : { kind: "unknown" };
  }
  const row = match.entry.row;
  if (!row) return { kind: "route", route: builtInRoute(env, match.tag), rules: [] };
  if (!row.route.enabled) return { kind: "off", address: row.address };
  const r = row.route;
  return {
    kind: "route",
    route: {
      id: r.id,
      name: r.name,
      address: row.address,
      tag: match.tag,
      // A workflow removed from the code since the route was saved runs the default.
      workflow: (WORKFLOW_NAMES as string[]).includes(r.workflow) ? (r.workflow as WorkflowName) : DEFAULT_WORKFLOW,
      reviewPolicy: r.reviewPolicy,
      assigneeId: r.assigneeId,
      ackLocale: r.ackLocale,
      ackText: r.ackText,
    },
    rules: rules.filter((rule) => rule.routeId === r.id),
  };
}

/** Whether mail to `address` would come back to this Worker (a forward there would loop). */
export async function routesToUs(env: Env, address: string): Promise<boolean> {
  const decision = await resolveRoute(env, address);
  return decision.kind !== "unknown";
}

/** What a request started by `route` is given: its workflow, and the overrides it sets. */
export function requestSettings(route: Route): {
  workflow: WorkflowName;
  reviewPolicy?: "auto" | "review";
  assigneeId: string | null;
} {
  return {
    workflow: route.workflow,
    ...(route.reviewPolicy === "default" ? {} : { reviewPolicy: route.reviewPolicy }),
    assigneeId: route.assigneeId,
  };
}
