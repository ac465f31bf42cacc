/**
 * Inbound mail routing, edited by admins on `/app/admin/mail` (every change audited):
 * - `mail_routes`: what mail to an address starts — its workflow, review policy, assignee, the
 *   locale and extra text of its acknowledgement, and whether it is on;
 * - `mail_addresses`: the addresses and aliases that lead to a route, lower-cased; a local part
 *   `*` is the catch-all of its domain, and `plus_tags` lets `local+anything@domain` match;
 * - `mail_forward_rules`: copies of matching mail forwarded to a staff mailbox (a verified Email
 *   Routing destination) with `message.forward()`, optionally stopping there;
 * - `mail_forwards`: the log of every forward tried, with its outcome.
 * With no address configured for it, `INBOUND_ADDRESS` keeps its built-in default route
 * (shared/mail/routes/resolve.ts), so a deployment without rows works as before.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./accounts";

/** A route's review policy: the workflow's own (`reviewPolicyFor`), or one it forces. */
export const ROUTE_REVIEW_POLICIES = ["default", "auto", "review"] as const;
export type RouteReviewPolicy = (typeof ROUTE_REVIEW_POLICIES)[number];
/** Locales an acknowledgement is written in. */
export const ACK_LOCALES = ["en", "cs"] as const;
export type AckLocale = (typeof ACK_LOCALES)[number];
/** `address`: a route's own; `alias`: another name for it; `catch-all`: `*@domain`. */
export const MAIL_ADDRESS_KINDS = ["address", "alias", "catch-all"] as const;
/** What a forwarding rule may require of the spam verdict (none: any). */
export const FORWARD_VERDICTS = ["spam", "ham"] as const;
export type ForwardVerdict = (typeof FORWARD_VERDICTS)[number];
export const FORWARD_OUTCOMES = ["forwarded", "failed"] as const;

export const mailRoutes = sqliteTable("mail_routes", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** A name of `WORKFLOWS` (shared/pipeline/workflows.ts). */
  workflow: text("workflow").notNull().default("analyse"),
  reviewPolicy: text("review_policy", { enum: ROUTE_REVIEW_POLICIES }).notNull().default("default"),
  /** Whom the route's requests are assigned to (an active member of staff); null: nobody. */
  assigneeId: text("assignee_id").references(() => users.id, { onDelete: "set null" }),
  ackLocale: text("ack_locale", { enum: ACK_LOCALES }).notNull().default("en"),
  /** A paragraph of the admin's own added to the route's acknowledgements (plain text). */
  ackText: text("ack_text").notNull().default(""),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const mailAddresses = sqliteTable(
  "mail_addresses",
  {
    /** `local@domain` (a `+tag` included for a tag of its own), or `*@domain`; lower case. */
    address: text("address").primaryKey(),
    routeId: text("route_id")
      .notNull()
      .references(() => mailRoutes.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: MAIL_ADDRESS_KINDS }).notNull(),
    /** Whether `local+tag@domain` reaches this address too. */
    plusTags: integer("plus_tags", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("mail_addresses_route_idx").on(t.routeId)],
);

export const mailForwardRules = sqliteTable(
  "mail_forward_rules",
  {
    id: text("id").primaryKey(),
    routeId: text("route_id")
      .notNull()
      .references(() => mailRoutes.id, { onDelete: "cascade" }),
    /** Where the copy goes: must be a verified destination address of the zone's Email Routing. */
    destination: text("destination").notNull(),
    /** Only mail to this address of the route (an alias, say); null: any of its addresses. */
    matchAddress: text("match_address"),
    /** Only mail from this domain or its subdomains; null: any sender. */
    matchSenderDomain: text("match_sender_domain"),
    /** Only mail whose subject holds one of these words (space-separated, lower case); empty: any. */
    matchSubject: text("match_subject").notNull().default(""),
    /** Only mail with this spam verdict; null: any. */
    matchVerdict: text("match_verdict", { enum: FORWARD_VERDICTS }),
    /** Forward and do nothing else with the message (no request, no acknowledgement). */
    stop: integer("stop", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("mail_forward_rules_route_idx").on(t.routeId)],
);

export const mailForwards = sqliteTable(
  "mail_forwards",
  {
    id: text("id").primaryKey(),
    /** The `inbound_emails` id the message got (its record may come later, or not at all). */
    inboundId: text("inbound_id").notNull(),
    ruleId: text("rule_id").references(() => mailForwardRules.id, { onDelete: "set null" }),
    routeId: text("route_id"),
    destination: text("destination").notNull(),
    sender: text("sender").notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull().default(""),
    outcome: text("outcome", { enum: FORWARD_OUTCOMES }).notNull(),
    /** Why `message.forward()` failed (an unverified destination, say); for admins. */
    error: text("error"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("mail_forwards_created_idx").on(t.createdAt), index("mail_forwards_inbound_idx").on(t.inboundId)],
);

export type MailRouteRow = typeof mailRoutes.$inferSelect;
export type MailAddressRow = typeof mailAddresses.$inferSelect;
export type MailForwardRuleRow = typeof mailForwardRules.$inferSelect;
export type MailForwardRow = typeof mailForwards.$inferSelect;
