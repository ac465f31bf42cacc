/**
 * `/app/admin/mail`: inbound addresses, aliases and their routes, forwarding rules and the
 * forward log (issue 19), for admins. Every form is checked whole by its zod schema
 * (shared/mail/routes/schema.ts) before anything is written: a malformed definition, an
 * address taken already, a forward destination that is no address (or one that would come back
 * to us) re-renders the page with the problem and its status, and changes nothing. Every change
 * is audited with what it was and what it became. The page itself is `mail-view.tsx`.
 */
import { Hono } from "hono";
import type { z } from "zod";
import { db } from "../../../shared/db/client";
import {
  addAddress,
  addForwardRule,
  createRoute,
  deleteRoute,
  RouteRefused,
  removeAddress,
  removeForwardRule,
  updateRoute,
} from "../../../shared/mail/routes/repo";
import { routesToUs } from "../../../shared/mail/routes/resolve";
import { addressInput, forwardRuleInput, routeInput } from "../../../shared/mail/routes/schema";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { formOf, str } from "../kit";
import { MailPage } from "./mail-view";

type Form = Record<string, unknown>;

/** The form's fields as strings, for the schema to check (unchecked boxes are absent: ""). */
const fields = (body: Form, names: string[]) => Object.fromEntries(names.map((n) => [n, str(body[n])]));
const ROUTE_FIELDS = ["name", "workflow", "reviewPolicy", "assigneeId", "ackLocale", "ackText", "enabled"];

/** The first problem of a failed parse, as the page's flash. */
const problem = (error: z.ZodError) => error.issues[0]?.message ?? "Check the fields.";

/** `/app/admin/mail/*`; mounted behind `requireAdmin` (index.tsx). */
export const mailPages = new Hono<AppEnv>()
  .onError((error, c) => {
    if (error instanceof RouteRefused) return MailPage(c, { kind: "bad", text: error.message }, error.status);
    throw error;
  })
  .get("/mail", (c) => MailPage(c))
  .post("/mail/routes", async (c) => {
    const body = await formOf(c);
    const route = routeInput.safeParse(fields(body, ROUTE_FIELDS));
    const address = addressInput.safeParse(fields(body, ["address", "plusTags"]));
    if (!route.success) return MailPage(c, { kind: "bad", text: problem(route.error) }, 422);
    if (!address.success) return MailPage(c, { kind: "bad", text: problem(address.error) }, 422);
    const created = await createRoute(db(c.env.DB), route.data, address.data);
    await audit(c, {
      action: "mail.route_created",
      targetType: "mail_route",
      targetId: created.route.id,
      after: { ...created.route, address: created.address.address },
    });
    return c.redirect("/app/admin/mail?m=route-created", 303);
  })
  .post("/mail/routes/:id", async (c) => {
    const body = await formOf(c);
    const route = routeInput.safeParse(fields(body, ROUTE_FIELDS));
    if (!route.success) return MailPage(c, { kind: "bad", text: problem(route.error) }, 422);
    const { before, after } = await updateRoute(db(c.env.DB), c.req.param("id"), route.data);
    await audit(c, { action: "mail.route_updated", targetType: "mail_route", targetId: before.id, before, after });
    return c.redirect("/app/admin/mail?m=route-saved", 303);
  })
  .post("/mail/routes/:id/delete", async (c) => {
    await formOf(c);
    const before = await deleteRoute(db(c.env.DB), c.req.param("id"));
    await audit(c, { action: "mail.route_deleted", targetType: "mail_route", targetId: before.id, before });
    return c.redirect("/app/admin/mail?m=route-deleted", 303);
  })
  .post("/mail/routes/:id/addresses", async (c) => {
    const body = await formOf(c);
    const address = addressInput.safeParse(fields(body, ["address", "plusTags"]));
    if (!address.success) return MailPage(c, { kind: "bad", text: problem(address.error) }, 422);
    const row = await addAddress(db(c.env.DB), c.req.param("id"), address.data);
    await audit(c, { action: "mail.address_added", targetType: "mail_route", targetId: row.routeId, after: row });
    return c.redirect("/app/admin/mail?m=address-added", 303);
  })
  .post("/mail/addresses/delete", async (c) => {
    const body = await formOf(c);
    const before = await removeAddress(db(c.env.DB), str(body.address).trim().toLowerCase());
    await audit(c, { action: "mail.address_removed", targetType: "mail_route", targetId: before.routeId, before });
    return c.redirect("/app/admin/mail?m=address-removed", 303);
  })
  .post("/mail/routes/:id/forwards", async (c) => {
    const body = await formOf(c);
    const rule = forwardRuleInput.safeParse(
      fields(body, ["destination", "matchAddress", "matchSenderDomain", "matchSubject", "matchVerdict", "stop"]),
    );
    if (!rule.success) return MailPage(c, { kind: "bad", text: problem(rule.error) }, 422);
    const row = await addForwardRule(db(c.env.DB), c.req.param("id"), rule.data, (a) => routesToUs(c.env, a));
    await audit(c, {
      action: "mail.forward_rule_added",
      targetType: "mail_forward_rule",
      targetId: row.id,
      after: row,
    });
    return c.redirect("/app/admin/mail?m=rule-added", 303);
  })
  .post("/mail/forwards/:id/delete", async (c) => {
    await formOf(c);
    const before = await removeForwardRule(db(c.env.DB), c.req.param("id"));
    await audit(c, {
      action: "mail.forward_rule_removed",
      targetType: "mail_forward_rule",
      targetId: before.id,
      before,
    });
    return c.redirect("/app/admin/mail?m=rule-removed", 303);
  });
