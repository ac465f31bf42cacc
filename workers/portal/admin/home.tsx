/**
 * The admin area's home page, mounted at `/app/admin` by the portal router before the rest of
 * the admin pages: links to them, the users (disable, enable, change role, invite staff), every
 * user's newest requests and the failed ones (retry).
 */
import { desc, eq } from "drizzle-orm";
import { Hono } from "hono";
import { db } from "../../../shared/db/client";
import { ROLES, users } from "../../../shared/db/schema";
import { HttpProblem } from "../../../shared/http/problem";
import { listSubmissions } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { keyCache } from "../../auth/key-cache";
import { revokeAllSessions } from "../../auth/service";
import { accountToInvite, changeRole } from "../../auth/staff";
import { Csrf, type Flashes, formOf, pageFor, RequestTable, str } from "../kit";
import { Time } from "../layout";
import { emailField, mailLinkLater } from "../profile/auth-flow";
import { controlFlashes } from "../requests/area";
import { requireAdmin } from "../session";

/** The messages of this page's redirects: a user changed or invited, and a retry or cancel sent `?from=admin`. */
const flashes: Flashes = {
  ...controlFlashes,
  "user-updated": { kind: "ok", text: "The user is updated." },
  "staff-invited": { kind: "ok", text: "The invitation is on its way. The role is given when it is accepted." },
  "invite-bad-address": { kind: "bad", text: "That is not an email address." },
  "invite-already-staff": { kind: "bad", text: "That account is already staff or admin." },
  "invite-disabled": { kind: "bad", text: "That account is disabled; enable it first." },
};

const page = pageFor(flashes);

/** `/app/admin` and `/app/admin/users/:id`, for admins. */
export const adminHomePages = new Hono<AppEnv>()
  .get("/", requireAdmin, async (c) => {
    const d = db(c.env.DB);
    const [people, failed, recent] = await Promise.all([
      d.select().from(users).orderBy(desc(users.createdAt)).limit(100),
      listSubmissions(d, c.get("user"), { status: "failed", limit: 50, all: true }),
      listSubmissions(d, c.get("user"), { limit: 50, all: true }),
    ]);
    const zone = c.get("user").timeZone;
    return page(
      c,
      "Admin",
      "/app/admin",
      <>
        <h1>Admin</h1>
        <ul>
          <li>
            <a href="/app/admin/dashboard">Dashboard</a> — jobs by outcome, step durations, provider errors,
            notification delivery, SLOs and their error budgets.
          </li>
          <li>
            <a href="/app/admin/alerts">Alerts</a> — firing and past alerts, each with its timeline.
          </li>
          <li>
            <a href="/app/admin/quarantine">Mail quarantine</a> — new mail scored as spam, kept unanswered: release or
            delete.
            <a href="/app/admin/mail">Mail</a> — inbound addresses, aliases and routes, forwarding rules, the forward
            log.
          </li>
          <li>
            <a href="/app/admin/mail/analytics">Mail analytics</a> — per address and day: received, accepted, confirmed,
            refused by reason, quarantined, forwarded; outbound mail; times to acknowledgement and result.
          </li>
          <li>
            <a href="/app/admin/requests">Request history</a> — every user's requests, free-text search, CSV export.
          </li>
          <li>
            <a href="/app/admin/audit">Audit trail</a> — who did what, free-text search, CSV export.
          </li>
          <li>
            <a href="/app/admin/notifications">Notifications</a> — every delivery with filters and re-drive, the
            suppression list, templates.
          </li>
        </ul>
        <h2>Users</h2>
        <form method="post" action="/app/admin/staff" class="filters">
          <Csrf c={c} />
          <div>
            <label for="invite-email">Invite staff by email</label>
            <input id="invite-email" name="email" type="email" required autocomplete="off" />
          </div>
          <button type="submit">Send the invitation</button>
        </form>
        <p class="hint">
          Staff see and answer every request. The invitation is a link that works once, for 7 days; the role is given
          when it is accepted. Making an account a lower role signs it out everywhere and revokes its API keys.
        </p>
        <div class="card">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col" class="opt">
                  Joined
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {people.map((u) => (
                <tr>
                  <td>
                    {u.name || u.email}
                    <div class="muted">
                      {u.email}
                      {u.emailVerifiedAt ? "" : " · unverified"}
                      {u.disabledAt ? " · disabled" : ""}
                    </div>
                  </td>
                  <td>{u.role}</td>
                  <td class="opt">
                    <Time ms={u.createdAt} zone={zone} />
                  </td>
                  <td>
                    {u.id === c.get("user").id ? (
                      <span class="muted">you</span>
                    ) : (
                      <form method="post" action={`/app/admin/users/${u.id}`} class="actions">
                        <Csrf c={c} />
                        <button
                          type="submit"
                          name="action"
                          value={u.disabledAt ? "enable" : "disable"}
                          class="secondary"
                        >
                          {u.disabledAt ? "Enable" : "Disable"}
                        </button>
                        {ROLES.filter((r) => r !== u.role).map((r) => (
                          <button type="submit" name="action" value={`make-${r}`} class="secondary">
                            {r === "user" && u.role === "staff" ? "Remove from staff" : `Make ${r}`}
                          </button>
                        ))}
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <h2>All requests</h2>
        <div class="card">
          {recent.length === 0 ? (
            <p>No requests yet.</p>
          ) : (
            <RequestTable
              rows={recent}
              caption="The 50 newest requests of every user"
              zone={zone}
              first={(s) => (
                <>
                  <a class="mono" href={`/app/requests/${s.id}`}>
                    {s.id}
                  </a>
                  <div class="muted">{s.email}</div>
                </>
              )}
            />
          )}
        </div>
        <h2>Failed requests</h2>
        <div class="card">
          {failed.length === 0 ? (
            <p>No failed requests.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Reason</th>
                  <th scope="col" class="opt">
                    When
                  </th>
                </tr>
              </thead>
              <tbody>
                {failed.map((s) => (
                  <tr>
                    <td>
                      <a class="mono" href={`/app/requests/${s.id}`}>
                        {s.id}
                      </a>
                      <div class="muted">{s.email}</div>
                    </td>
                    <td>
                      {s.error}
                      <form method="post" action={`/app/requests/${s.id}/retry?from=admin`} class="actions">
                        <Csrf c={c} />
                        <button type="submit" class="secondary">
                          Retry
                        </button>
                      </form>
                    </td>
                    <td class="opt">
                      <Time ms={s.updatedAt} zone={zone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </>,
    );
  })
  .post("/staff", requireAdmin, async (c) => {
    const body = await formOf(c);
    const email = emailField.safeParse(str(body.email));
    if (!email.success) return c.redirect("/app/admin?m=invite-bad-address", 303);
    const user = await accountToInvite(db(c.env.DB), email.data);
    if (typeof user === "string") return c.redirect(`/app/admin?m=invite-${user}`, 303);
    await audit(c, { action: "staff.invited", targetType: "user", targetId: user.id, after: { email: user.email } });
    mailLinkLater(c, user, "staff-invite");
    return c.redirect("/app/admin?m=staff-invited", 303);
  })
  .post("/users/:id", requireAdmin, async (c) => {
    const body = await formOf(c);
    const id = c.req.param("id");
    if (id === c.get("user").id) {
      throw new HttpProblem(409, "conflict", "Conflict", "You cannot change your own account here.");
    }
    const action = str(body.action);
    const role = ROLES.find((r) => action === `make-${r}`);
    if (role) {
      const changed = await changeRole(db(c.env.DB), id, role);
      if (!changed) throw new HttpProblem(404, "not-found", "Not Found", "No such user.");
      await audit(c, {
        action: "user.role_changed",
        targetType: "user",
        targetId: id,
        before: { role: changed.before },
        after: { role: changed.after },
      });
      return c.redirect("/app/admin?m=user-updated", 303);
    }
    const changes =
      action === "disable" ? { disabledAt: Date.now() } : action === "enable" ? { disabledAt: null } : null;
    if (!changes) throw new HttpProblem(400, "bad-request", "Bad Request", "Unknown action.");
    const d = db(c.env.DB);
    const [before] = await d
      .select({ role: users.role, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.id, id));
    const [after] = await d
      .update(users)
      .set({ ...changes, updatedAt: Date.now() })
      .where(eq(users.id, id))
      .returning({ role: users.role, disabledAt: users.disabledAt });
    if (!after || !before) throw new HttpProblem(404, "not-found", "Not Found", "No such user.");
    await audit(c, {
      action: `user.${action}d`,
      targetType: "user",
      targetId: id,
      before,
      after,
    });
    if (action === "disable") await revokeAllSessions(d, id);
    // The user's keys answer with the new role or state at once in this isolate.
    keyCache.forget({ userId: id });
    return c.redirect("/app/admin?m=user-updated", 303);
  });
