/**
 * The queries of mail routing: what the admin page lists and changes, and what the email
 * handler reads for one message (`routingFor`: at most three candidate addresses, and the rules
 * of the route they lead to, in one D1 batch). Every change returns what it was and what it
 * became, so the admin handler can audit both; a change that cannot be made throws
 * `RouteRefused` with the sentence the admin reads, before anything is written.
 */
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import {
  type MailAddressRow,
  type MailForwardRow,
  type MailForwardRuleRow,
  type MailRouteRow,
  mailAddresses,
  mailForwardRules,
  mailForwards,
  mailRoutes,
  users,
} from "../../db/schema";
import { ulid } from "../../ids";
import type { forwardCount } from "../analytics/count";
import { splitAddress } from "./match";
import type { AddressInput, ForwardRuleInput, RouteInput } from "./schema";

/** Why a routing change cannot be made; `message` is for the admin, `status` 404 or 409. */
export class RouteRefused extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409 = 409,
  ) {
    super(message);
  }
}

/** Most rows of each kind the admin page lists. */
export const LIST_LIMIT = 500;

export const newRouteId = () => `mr_${ulid()}`;
export const newForwardRuleId = () => `fr_${ulid()}`;
export const newForwardId = () => `fw_${ulid()}`;

/** The addresses that could match `recipient`: itself, without its `+tag`, the catch-all. */
export function candidates(recipient: string): string[] {
  const parts = splitAddress(recipient);
  if (!parts) return [];
  const plus = parts.local.indexOf("+");
  return [
    ...new Set([
      `${parts.local}@${parts.domain}`,
      ...(plus > 0 ? [`${parts.local.slice(0, plus)}@${parts.domain}`] : []),
      `*@${parts.domain}`,
    ]),
  ];
}

/** A configured address with its route, the route's assignee kept only while active staff. */
export type RoutedAddress = MailAddressRow & { route: MailRouteRow };

/** What the handler reads for one recipient: the addresses that could match, and their routes' rules. */
export async function routingFor(
  d: Db,
  recipient: string,
): Promise<{ addresses: RoutedAddress[]; rules: MailForwardRuleRow[] }> {
  const wanted = candidates(recipient);
  if (wanted.length === 0) return { addresses: [], rules: [] };
  // No joins: D1 returns a join's columns by position, and columns of the same name
  // (`id`, `created_at`) would be mixed up; four plain reads in one batch instead.
  const routeIds = d
    .select({ id: mailAddresses.routeId })
    .from(mailAddresses)
    .where(inArray(mailAddresses.address, wanted));
  const [rows, routes, rules, active] = await d.batch([
    d.select().from(mailAddresses).where(inArray(mailAddresses.address, wanted)),
    d.select().from(mailRoutes).where(inArray(mailRoutes.id, routeIds)),
    d
      .select()
      .from(mailForwardRules)
      .where(inArray(mailForwardRules.routeId, routeIds))
      .orderBy(mailForwardRules.createdAt)
      .limit(LIST_LIMIT),
    d
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          inArray(
            users.id,
            d.select({ id: mailRoutes.assigneeId }).from(mailRoutes).where(inArray(mailRoutes.id, routeIds)),
          ),
          inArray(users.role, ["staff", "admin"]),
          isNull(users.disabledAt),
        ),
      ),
  ]);
  const staff = new Set(active.map((u) => u.id));
  const byId = new Map(
    routes.map((r) => [r.id, { ...r, assigneeId: r.assigneeId && staff.has(r.assigneeId) ? r.assigneeId : null }]),
  );
  return {
    addresses: rows.flatMap((row) => {
      const route = byId.get(row.routeId);
      return route ? [{ ...row, route }] : [];
    }),
    rules,
  };
}

/** Everything the admin page shows of routing. */
export async function listRouting(d: Db) {
  const [routes, addresses, rules] = await d.batch([
    d.select().from(mailRoutes).orderBy(mailRoutes.createdAt).limit(LIST_LIMIT),
    d.select().from(mailAddresses).orderBy(mailAddresses.address).limit(LIST_LIMIT),
    d.select().from(mailForwardRules).orderBy(mailForwardRules.createdAt).limit(LIST_LIMIT),
  ]);
  return { routes, addresses, rules };
}

async function checkAssignee(d: Db, assigneeId: string): Promise<string | null> {
  if (!assigneeId) return null;
  const [member] = await d
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, assigneeId), inArray(users.role, ["staff", "admin"]), isNull(users.disabledAt)))
    .limit(1);
  if (!member) throw new RouteRefused("Requests are assigned to active members of staff only.");
  return member.id;
}

async function checkFree(d: Db, address: string): Promise<void> {
  const [taken] = await d
    .select({ routeId: mailAddresses.routeId })
    .from(mailAddresses)
    .where(eq(mailAddresses.address, address))
    .limit(1);
  if (taken) throw new RouteRefused(`${address} belongs to a route already.`);
}

const kindOf = (address: string, first: boolean) =>
  address.startsWith("*@") ? "catch-all" : first ? "address" : "alias";

/** Creates a route with its first address. */
export async function createRoute(d: Db, input: RouteInput, address: AddressInput, now = Date.now()) {
  const assigneeId = await checkAssignee(d, input.assigneeId);
  await checkFree(d, address.address);
  const route = { id: newRouteId(), ...input, assigneeId, createdAt: now, updatedAt: now };
  const row = { ...address, routeId: route.id, kind: kindOf(address.address, true), createdAt: now } as const;
  await d.batch([d.insert(mailRoutes).values(route), d.insert(mailAddresses).values(row)]);
  return { route, address: row };
}

/** Changes a route's settings; before and after for the audit trail. */
export async function updateRoute(d: Db, id: string, input: RouteInput, now = Date.now()) {
  const [before] = await d.select().from(mailRoutes).where(eq(mailRoutes.id, id)).limit(1);
  if (!before) throw new RouteRefused("No such route.", 404);
  const assigneeId = await checkAssignee(d, input.assigneeId);
  const [after] = await d
    .update(mailRoutes)
    .set({ ...input, assigneeId, updatedAt: now })
    .where(eq(mailRoutes.id, id))
    .returning();
  return { before, after };
}

/** Removes a route with its addresses and rules (the forward log keeps its entries). */
export async function deleteRoute(d: Db, id: string) {
  const [before] = await d.delete(mailRoutes).where(eq(mailRoutes.id, id)).returning();
  if (!before) throw new RouteRefused("No such route.", 404);
  return before;
}

/** Adds an alias (or catch-all) to a route. */
export async function addAddress(d: Db, routeId: string, input: AddressInput, now = Date.now()) {
  const [route] = await d.select({ id: mailRoutes.id }).from(mailRoutes).where(eq(mailRoutes.id, routeId)).limit(1);
  if (!route) throw new RouteRefused("No such route.", 404);
  await checkFree(d, input.address);
  const [row] = await d
    .insert(mailAddresses)
    .values({ ...input, routeId, kind: kindOf(input.address, false), createdAt: now })
    .returning();
  return row as MailAddressRow;
}

/** Removes an address; a route keeps at least one. */
export async function removeAddress(d: Db, address: string) {
  const [row] = await d.select().from(mailAddresses).where(eq(mailAddresses.address, address)).limit(1);
  if (!row) throw new RouteRefused("No such address.", 404);
  const [{ n } = { n: 0 }] = await d
    .select({ n: sql<number>`count(*)` })
    .from(mailAddresses)
    .where(eq(mailAddresses.routeId, row.routeId));
  if (n <= 1) throw new RouteRefused("A route keeps at least one address: delete the route instead.");
  await d.delete(mailAddresses).where(eq(mailAddresses.address, address));
  return row;
}

/** Adds a forwarding rule to a route. `routesToUs`: whether an address would come back to this Worker. */
export async function addForwardRule(
  d: Db,
  routeId: string,
  input: ForwardRuleInput,
  routesToUs: (address: string) => Promise<boolean>,
  now = Date.now(),
) {
  const [route] = await d.select({ id: mailRoutes.id }).from(mailRoutes).where(eq(mailRoutes.id, routeId)).limit(1);
  if (!route) throw new RouteRefused("No such route.", 404);
  if (await routesToUs(input.destination)) {
    throw new RouteRefused(`${input.destination} comes back to StateX: forwarding there would loop.`);
  }
  if (input.matchAddress) {
    const [own] = await d
      .select({ address: mailAddresses.address })
      .from(mailAddresses)
      .where(and(eq(mailAddresses.address, input.matchAddress), eq(mailAddresses.routeId, routeId)))
      .limit(1);
    if (!own) throw new RouteRefused(`${input.matchAddress} is not an address of this route.`);
  }
  const [row] = await d
    .insert(mailForwardRules)
    .values({ id: newForwardRuleId(), routeId, ...input, createdAt: now })
    .returning();
  return row as MailForwardRuleRow;
}

/** Removes a forwarding rule. */
export async function removeForwardRule(d: Db, id: string) {
  const [row] = await d.delete(mailForwardRules).where(eq(mailForwardRules.id, id)).returning();
  if (!row) throw new RouteRefused("No such forwarding rule.", 404);
  return row;
}

/** Writes one entry of the forward log, with the message's forward counter when given (one batch). */
export async function logForward(
  d: Db,
  row: Omit<MailForwardRow, "id">,
  counter?: ReturnType<typeof forwardCount>,
): Promise<void> {
  const insert = d.insert(mailForwards).values({ id: newForwardId(), ...row });
  if (counter) await d.batch([insert, counter]);
  else await insert;
}

/** The newest forwards, newest first. */
export async function listForwards(d: Db, limit = 100) {
  return d.select().from(mailForwards).orderBy(desc(mailForwards.createdAt)).limit(limit);
}
