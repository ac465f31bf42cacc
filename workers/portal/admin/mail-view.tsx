/**
 * The page of `/app/admin/mail` (the handlers are `mail.tsx`): each route with its addresses
 * and aliases, its settings, its forwarding rules; a form for a new route; the forward log.
 * Everything shown is read here in one D1 batch plus the staff list, so the page re-renders
 * the same way after a refused change (with the problem as its flash and the status).
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import {
  ACK_LOCALES,
  FORWARD_VERDICTS,
  type MailAddressRow,
  type MailForwardRuleRow,
  type MailRouteRow,
  ROUTE_REVIEW_POLICIES,
} from "../../../shared/db/schema";
import { staffMembers } from "../../../shared/desk/state";
import { inboundAddress } from "../../../shared/mail/address";
import { listForwards, listRouting } from "../../../shared/mail/routes/repo";
import { ACK_TEXT_CHARS } from "../../../shared/mail/routes/schema";
import { WORKFLOW_NAMES } from "../../../shared/pipeline/workflows";
import type { AppEnv } from "../../app-env";
import { Csrf, type Flashes, pageFor } from "../kit";
import { type Flash, Time } from "../layout";

const flashes: Flashes = {
  "route-created": { kind: "ok", text: "The route is created. Add its Email Routing rule (docs/deploy.md)." },
  "route-saved": { kind: "ok", text: "The route is saved." },
  "route-deleted": { kind: "ok", text: "The route and its addresses and rules are deleted." },
  "address-added": { kind: "ok", text: "The address is added. It needs an Email Routing rule to this Worker." },
  "address-removed": { kind: "ok", text: "The address is removed." },
  "rule-added": { kind: "ok", text: "The forwarding rule is added." },
  "rule-removed": { kind: "ok", text: "The forwarding rule is removed." },
};

const page = pageFor(flashes);
type Member = Awaited<ReturnType<typeof staffMembers>>[number];

function RouteFields(props: { r?: MailRouteRow; staff: Member[]; id: string }) {
  const { r, staff, id } = props;
  return (
    <>
      <label for={`${id}-name`}>Name</label>
      <input id={`${id}-name`} name="name" type="text" required maxlength={80} value={r?.name ?? ""} />
      <label for={`${id}-workflow`}>Workflow</label>
      <select id={`${id}-workflow`} name="workflow">
        {WORKFLOW_NAMES.map((w) => (
          <option value={w} selected={(r?.workflow ?? "analyse") === w}>
            {w}
          </option>
        ))}
      </select>
      <label for={`${id}-review`}>Review policy</label>
      <select id={`${id}-review`} name="reviewPolicy">
        {ROUTE_REVIEW_POLICIES.map((p) => (
          <option value={p} selected={(r?.reviewPolicy ?? "default") === p}>
            {p === "default"
              ? "the workflow's (REVIEW_WORKFLOWS)"
              : p === "review"
                ? "draft for staff"
                : "sent at once"}
          </option>
        ))}
      </select>
      <label for={`${id}-assignee`}>Assign to</label>
      <select id={`${id}-assignee`} name="assigneeId">
        <option value="">nobody (the desk's inbox)</option>
        {staff.map((m) => (
          <option value={m.id} selected={r?.assigneeId === m.id}>
            {m.name || m.email}
          </option>
        ))}
      </select>
      <label for={`${id}-locale`}>Acknowledgement language</label>
      <select id={`${id}-locale`} name="ackLocale">
        {ACK_LOCALES.map((l) => (
          <option value={l} selected={(r?.ackLocale ?? "en") === l}>
            {l === "cs" ? "Čeština" : "English"}
          </option>
        ))}
      </select>
      <label for={`${id}-ack`}>Own acknowledgement text</label>
      <textarea id={`${id}-ack`} name="ackText" rows={3} maxlength={ACK_TEXT_CHARS}>
        {r?.ackText ?? ""}
      </textarea>
      <label>
        <input type="checkbox" name="enabled" value="on" checked={r ? r.enabled : true} /> On: mail to it is taken in
      </label>
    </>
  );
}

function Rules(props: {
  c: Context<AppEnv>;
  route: MailRouteRow;
  rules: MailForwardRuleRow[];
  addresses: MailAddressRow[];
}) {
  const { c, route, rules, addresses } = props;
  return (
    <>
      <h3>Forwarding</h3>
      {rules.length === 0 ? (
        <p class="muted">No forwarding rules.</p>
      ) : (
        <table>
          <caption class="skip">Forwarding rules of {route.name}</caption>
          <thead>
            <tr>
              <th scope="col">To</th>
              <th scope="col">When</th>
              <th scope="col">Then</th>
              <th scope="col">
                <span class="skip">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((f) => (
              <tr data-rule={f.id}>
                <td class="mono">{f.destination}</td>
                <td>
                  {[
                    f.matchAddress ? `to ${f.matchAddress}` : "",
                    f.matchSenderDomain ? `from *.${f.matchSenderDomain}` : "",
                    f.matchSubject ? `subject has: ${f.matchSubject}` : "",
                    f.matchVerdict ? `verdict ${f.matchVerdict}` : "",
                  ]
                    .filter(Boolean)
                    .join("; ") || "every message"}
                </td>
                <td>{f.stop ? "forward only" : "forward a copy, then go on"}</td>
                <td>
                  <form method="post" action={`/app/admin/mail/forwards/${f.id}/delete`} class="actions">
                    <Csrf c={c} />
                    <button type="submit" class="secondary">
                      Remove
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action={`/app/admin/mail/routes/${route.id}/forwards`} class="filters">
        <Csrf c={c} />
        <div>
          <label for={`${route.id}-dest`}>Forward to (a verified destination)</label>
          <input id={`${route.id}-dest`} name="destination" type="email" required />
        </div>
        <div>
          <label for={`${route.id}-alias`}>Only mail to</label>
          <select id={`${route.id}-alias`} name="matchAddress">
            <option value="">any of its addresses</option>
            {addresses.map((a) => (
              <option value={a.address}>{a.address}</option>
            ))}
          </select>
        </div>
        <div>
          <label for={`${route.id}-domain`}>Only from domain</label>
          <input id={`${route.id}-domain`} name="matchSenderDomain" type="text" />
        </div>
        <div>
          <label for={`${route.id}-subject`}>Subject has any of</label>
          <input id={`${route.id}-subject`} name="matchSubject" type="text" maxlength={200} />
        </div>
        <div>
          <label for={`${route.id}-verdict`}>Spam verdict</label>
          <select id={`${route.id}-verdict`} name="matchVerdict">
            <option value="">any</option>
            {FORWARD_VERDICTS.map((v) => (
              <option value={v}>{v}</option>
            ))}
          </select>
        </div>
        <label>
          <input type="checkbox" name="stop" value="on" /> Forward only (no request, no acknowledgement)
        </label>
        <button type="submit">Add the rule</button>
      </form>
    </>
  );
}

/** The mail page, with `flash` (or the `?m=` code's message) and `status`. */
export async function MailPage(c: Context<AppEnv>, flash: Flash | null = null, status = 200) {
  const d = db(c.env.DB);
  const [{ routes, addresses, rules }, forwards, staff] = await Promise.all([
    listRouting(d),
    listForwards(d, 100),
    staffMembers(d),
  ]);
  const zone = c.get("user").timeZone;
  const inbound = inboundAddress(c.env).address;
  const builtIn = !addresses.some((a) => a.address === inbound);
  return page(
    c,
    "Mail",
    "/app/admin/mail",
    <>
      <p>
        <a href="/app/admin">← Admin</a>
      </p>
      <h1>Mail: addresses and routes</h1>
      <p>
        <a href="/app/admin/mail/analytics">Mail analytics</a> — what each address received and what became of it.
      </p>
      <p class="hint">
        Each address (or alias, <code>name+tag@</code>, or catch-all <code>*@domain</code>) needs an Email Routing rule
        with this Worker as its destination. Mail to an address listed nowhere is refused with a reason. Forward
        destinations must be verified Email Routing destination addresses, or forwarding fails (and is logged).
      </p>
      {builtIn ? (
        <p class="card" data-built-in>
          <strong class="mono">{inbound}</strong> (<code>INBOUND_ADDRESS</code>) takes requests with the defaults: the{" "}
          <code>analyse</code> workflow, its review policy, nobody assigned, English acknowledgements. Add it to a route
          to change that.
        </p>
      ) : null}
      {routes.map((r) => {
        const own = addresses.filter((a) => a.routeId === r.id);
        return (
          <section class="card" id={`route-${r.id}`} data-enabled={String(r.enabled)}>
            <h2>
              {r.name} {r.enabled ? "" : <span class="muted">(off)</span>}
            </h2>
            <ul>
              {own.map((a) => (
                <li>
                  <span class="mono">{a.address}</span>{" "}
                  <span class="muted">
                    {a.kind}
                    {a.plusTags ? ", +tags" : ""}
                  </span>
                  <form method="post" action="/app/admin/mail/addresses/delete" class="actions">
                    <Csrf c={c} />
                    <input type="hidden" name="address" value={a.address} />
                    <button type="submit" class="secondary">
                      Remove
                    </button>
                  </form>
                </li>
              ))}
            </ul>
            <form method="post" action={`/app/admin/mail/routes/${r.id}/addresses`} class="filters">
              <Csrf c={c} />
              <div>
                <label for={`${r.id}-new-address`}>Add an alias</label>
                <input id={`${r.id}-new-address`} name="address" type="text" required />
              </div>
              <label>
                <input type="checkbox" name="plusTags" value="on" checked /> +tags too
              </label>
              <button type="submit">Add</button>
            </form>
            <details>
              <summary>Settings</summary>
              <form method="post" action={`/app/admin/mail/routes/${r.id}`}>
                <Csrf c={c} />
                <RouteFields r={r} staff={staff} id={r.id} />
                <div class="actions">
                  <button type="submit">Save</button>
                </div>
              </form>
              <form method="post" action={`/app/admin/mail/routes/${r.id}/delete`} class="actions">
                <Csrf c={c} />
                <button type="submit" class="secondary">
                  Delete the route
                </button>
              </form>
            </details>
            <Rules c={c} route={r} rules={rules.filter((f) => f.routeId === r.id)} addresses={own} />
          </section>
        );
      })}
      <form class="card" method="post" action="/app/admin/mail/routes">
        <Csrf c={c} />
        <h2>New route</h2>
        <label for="new-address">Address</label>
        <input id="new-address" name="address" type="text" required placeholder="sales@example.com or *@example.com" />
        <label>
          <input type="checkbox" name="plusTags" value="on" checked /> +tags reach it too
        </label>
        <RouteFields staff={staff} id="new" />
        <div class="actions">
          <button type="submit">Create the route</button>
        </div>
      </form>
      <h2>Forward log</h2>
      {forwards.length === 0 ? (
        <p class="muted">Nothing forwarded yet.</p>
      ) : (
        <table>
          <caption class="skip">The 100 newest forwards</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Message</th>
              <th scope="col">To</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {forwards.map((f) => (
              <tr data-forward={f.outcome}>
                <td>
                  <Time ms={f.createdAt} zone={zone} />
                </td>
                <td>
                  {f.subject || "(no subject)"}
                  <div class="muted">
                    {f.sender} → {f.recipient}
                  </div>
                </td>
                <td class="mono">{f.destination}</td>
                <td>{f.outcome === "failed" ? `failed: ${f.error ?? ""}` : "forwarded"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
    flash,
    status,
  );
}
