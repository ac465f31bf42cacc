import { desc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import { z } from "zod";
import { db } from "../../shared/db/client";
import { isTerminal, SCOPES, SUBMISSION_STATUSES, type SubmissionStatus, users } from "../../shared/db/schema";
import { ACCEPT_ATTRIBUTE, ACCEPTED_SUMMARY } from "../../shared/filetypes";
import { HttpProblem } from "../../shared/http/problem";
import { SUBMISSION_ID_PATTERN } from "../../shared/ids";
import { renderMarkdown } from "../../shared/markdown";
import { notifyAccount } from "../../shared/notifications/account";
import { acceptSubmission, MAX_TEXT_CHARS } from "../../shared/submissions/accept";
import { formatBytes, listSubmissionFiles, uploadLimits } from "../../shared/submissions/files";
import { findSubmission, listSubmissions } from "../../shared/submissions/repo";
import { deleteAccount } from "../account/delete";
import { buildExport } from "../account/export";
import { exportResponse } from "../account/routes";
import { acceptMultipartSubmission, isMultipart } from "../api/submissions/intake";
import { CreateSubmissionBody } from "../api/submissions/schemas";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { keyCache } from "../auth/key-cache";
import {
  apiKeysPerUser,
  createApiKey,
  listApiKeys,
  listSessions,
  MIN_PASSWORD_LENGTH,
  parseScopes,
  revokeAllSessions,
  revokeApiKey,
  revokeSession,
  setPassword,
} from "../auth/service";
import { adminPages } from "./admin";
import { ASSET_VERSION, PORTAL_CSS, PORTAL_JS } from "./assets";
import { Csrf, type Flashes, formOf, list, pageFor, str } from "./kit";
import { Badge, type Flash, Time } from "./layout";
import { NotificationSettings, notificationPages, RequestDeliveries } from "./notifications";
import { checkSessionCsrf, clearSessionCookie, requireAdmin, requireSession } from "./session";

const PAGE_SIZE = 20;

const flashes: Flashes = {
  cancelled: { kind: "ok", text: "The request is cancelled." },
  retried: { kind: "ok", text: "The request runs again from the step that failed." },
  "not-cancellable": { kind: "bad", text: "The request has already finished; it cannot be cancelled." },
  "not-retryable": { kind: "bad", text: "Only a failed request can be retried." },
  approved: { kind: "ok", text: "Approved: the result is being delivered." },
  rejected: { kind: "ok", text: "Rejected: the request is marked failed and its owner told." },
  "not-reviewable": { kind: "bad", text: "This request is not waiting for review." },
  saved: { kind: "ok", text: "Saved." },
  "key-revoked": { kind: "ok", text: "The API key is revoked." },
  "password-removed": {
    kind: "info",
    text: "Your address is confirmed. The account was created before anyone proved they read this mailbox — anyone can sign up with someone else's address — so we removed the password it was created with, signed out its other sessions and revoked its API keys. Set a password below, or keep signing in with emailed links.",
  },
  "password-set": { kind: "ok", text: "Your password is set. Sign in with it from now on, or with an emailed link." },
  "session-revoked": { kind: "ok", text: "That session is signed out." },
  "user-updated": { kind: "ok", text: "The user is updated." },
};

const page = pageFor(flashes);

/** `/app/*`: the signed-in portal. */
export const portalRoutes = new Hono<AppEnv>()
  .get(`/assets/portal.${ASSET_VERSION}.css`, (c) =>
    c.body(PORTAL_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  )
  .get(`/assets/portal.${ASSET_VERSION}.js`, (c) =>
    c.body(PORTAL_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  )
  .use(requireSession)
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .route("/", notificationPages)
  .get("/", async (c) => {
    const user = c.get("user");
    const statusParam = c.req.query("status") ?? "";
    const status = (SUBMISSION_STATUSES as readonly string[]).includes(statusParam)
      ? (statusParam as SubmissionStatus)
      : undefined;
    const before = c.req.query("before");
    const rows = await listSubmissions(db(c.env.DB), user, {
      status,
      before: before && SUBMISSION_ID_PATTERN.test(before) ? before : undefined,
      limit: PAGE_SIZE + 1,
    });
    const shown = rows.slice(0, PAGE_SIZE);
    const last = shown.at(-1);
    const nextHref =
      rows.length > PAGE_SIZE && last
        ? `/app?${new URLSearchParams({ ...(status ? { status } : {}), before: last.id })}`
        : null;
    return page(
      c,
      "Your requests",
      "/app",
      <>
        <h1>Your requests</h1>
        <form class="filters" method="get" action="/app">
          <div>
            <label for="status">Status</label>
            <select id="status" name="status">
              <option value="">All</option>
              {SUBMISSION_STATUSES.map((s) => (
                <option value={s} selected={s === status}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="secondary">
            Filter
          </button>
          <a class="button" href="/app/requests/new">
            New request
          </a>
        </form>
        <div class="card">
          {shown.length === 0 ? (
            <p>
              No requests {status ? `with status ${status} ` : ""}yet.{" "}
              <a href="/app/requests/new">Send your first one</a>.
            </p>
          ) : (
            <table>
              <caption class="skip">Your requests, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="opt">
                    Sent
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((s) => (
                  <tr>
                    <td>
                      <a href={`/app/requests/${s.id}`}>{s.summary ? s.summary.slice(0, 120) : s.id}</a>
                      <div class="muted mono">{s.id}</div>
                    </td>
                    <td>
                      <Badge status={s.status} />
                    </td>
                    <td class="opt">
                      <Time ms={s.createdAt} zone={user.timeZone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="pager">
            {before ? <a href={status ? `/app?status=${status}` : "/app"}>Newest</a> : <span />}
            {nextHref ? <a href={nextHref}>Older →</a> : <span />}
          </div>
        </div>
      </>,
    );
  })
  .get("/requests/new", (c) => NewRequestPage(c, null, ""))
  .post("/requests", async (c) => {
    let id: string;
    if (isMultipart(c.req.raw)) {
      // The form with files: streamed like the API's multipart intake. The CSRF token is the
      // form's first field, checked before any file is stored and again before acceptance.
      try {
        ({ id } = await acceptMultipartSubmission(c.env, c.req.raw, {
          user: c.get("user"),
          source: "portal",
          correlationId: c.get("requestId"),
          log: c.get("log"),
          extraFields: ["_csrf"],
          beforeFirstFile: (fields) => checkSessionCsrf(c, fields),
          checkFields: (fields) => checkSessionCsrf(c, fields),
        }));
      } catch (error) {
        if (error instanceof HttpProblem && error.slug !== "csrf" && [400, 413, 415, 422].includes(error.status)) {
          return NewRequestPage(c, { kind: "bad", text: error.message }, "", error.status);
        }
        throw error;
      }
    } else {
      const body = await formOf(c);
      const parsed = CreateSubmissionBody.safeParse({ text: str(body.text) });
      if (!parsed.success) {
        return NewRequestPage(
          c,
          { kind: "bad", text: parsed.error.issues[0]?.message ?? "Check the text." },
          str(body.text),
        );
      }
      ({ id } = await acceptSubmission(c.env, parsed.data, {
        user: c.get("user"),
        source: "portal",
        correlationId: c.get("requestId"),
        log: c.get("log"),
      }));
    }
    await audit(c, { action: "submission.created", targetType: "submission", targetId: id });
    return c.redirect(`/app/requests/${id}`, 303);
  })
  .get("/requests/:id", async (c) => {
    const id = c.req.param("id");
    const found = await ownRequest(c, id);
    const { submission: s, steps } = found;
    if (s.userId !== c.get("user").id) {
      // An admin looking at someone else's request is on the record.
      await audit(c, { action: "admin.viewed_submission", targetType: "submission", targetId: s.id });
    }
    const [result, attachments] = await Promise.all([
      s.resultKey ? c.env.FILES.get(s.resultKey) : null,
      listSubmissionFiles(db(c.env.DB), s.id),
    ]);
    const zone = c.get("user").timeZone;
    // Only admins decide reviews; only then is the job's object asked whether it waits for one.
    const awaitingReview =
      c.get("user").role === "admin" &&
      s.workflow === "reviewed" &&
      !isTerminal(s.status) &&
      (await c.env.JOB_COORDINATOR.getByName(s.id).snapshot())?.review?.status === "waiting";
    return page(
      c,
      `Request ${s.id}`,
      "/app",
      <>
        <p>
          <a href="/app">← All requests</a>
        </p>
        <h1>
          Request <span class="mono">{s.id}</span>
        </h1>
        <div class="card" data-live-submission={s.id} data-status-now={s.status}>
          <p>
            Status:{" "}
            <span data-status={s.status}>
              <Badge status={s.status} />
            </span>{" "}
            · sent <Time ms={s.createdAt} zone={zone} /> · via {s.source}
            {s.completedAt ? (
              <>
                {" "}
                · finished <Time ms={s.completedAt} zone={zone} />
              </>
            ) : null}
          </p>
          {s.error ? (
            <p class="flash bad" role="alert">
              {s.error}
            </p>
          ) : null}
          <h2>Steps</h2>
          <ol class="timeline" aria-live="polite">
            {steps.map((st) => (
              <li data-step={st.name}>
                <span class="name">{st.name}</span>
                <Badge status={st.status} />
                <span class="meta">
                  {st.attempts > 1 ? `${st.attempts} attempts · ` : ""}
                  {st.finishedAt && st.startedAt ? `${st.finishedAt - st.startedAt} ms` : ""}
                  {st.error ? ` · ${st.error}` : ""}
                </span>
              </li>
            ))}
          </ol>
          {!isTerminal(s.status) ? <p class="hint">This page updates by itself as the steps finish.</p> : null}
          {awaitingReview ? (
            <form method="post" action={`/app/requests/${s.id}/review`} class="actions">
              <Csrf c={c} />
              <strong>Waiting for your review.</strong>
              <button type="submit" name="decision" value="approve">
                Approve and deliver
              </button>
              <button type="submit" name="decision" value="reject" class="danger">
                Reject
              </button>
            </form>
          ) : null}
          {!isTerminal(s.status) || s.status === "failed" ? (
            <form
              method="post"
              action={`/app/requests/${s.id}/${s.status === "failed" ? "retry" : "cancel"}`}
              class="actions"
            >
              <Csrf c={c} />
              <button type="submit" class={s.status === "failed" ? "" : "danger"}>
                {s.status === "failed" ? "Retry from the failed step" : "Cancel this request"}
              </button>
            </form>
          ) : null}
        </div>
        {attachments.length > 0 ? (
          <div class="card">
            <h2>Attachments</h2>
            <ul class="files" data-attachments>
              {attachments.map((f) => (
                <li>
                  {/* Served by the API's owner-only download (the session cookie is enough for a GET). */}
                  <a href={`/v1/submissions/${s.id}/files/${f.id}`} download={f.name}>
                    {f.name}
                  </a>{" "}
                  <span class="muted">
                    {f.contentType} · {formatBytes(f.size)}
                  </span>
                  <span class="mono hint" title="SHA-256">
                    {f.sha256.slice(0, 16)}…
                  </span>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <RequestDeliveries c={c} submissionId={s.id} userId={s.userId} />
        {result ? (
          <div class="card result">
            <h2>Result</h2>
            {/* AI output and user text may carry markup: renderMarkdown sanitises it. */}
            {raw(renderMarkdown(await result.text()))}
          </div>
        ) : null}
      </>,
    );
  })
  .post("/requests/:id/:action{cancel|retry}", async (c) => {
    await formOf(c);
    const id = c.req.param("id");
    const action = c.req.param("action") as "cancel" | "retry";
    const _found = await ownRequest(c, id);
    const job = c.env.JOB_COORDINATOR.getByName(id);
    const result = action === "cancel" ? await job.cancel(id) : await job.retry(id);
    if (result.outcome === "ok") {
      await audit(c, {
        action: action === "cancel" ? "submission.cancelled" : "submission.retried",
        targetType: "submission",
        targetId: id,
      });
    }
    const m =
      result.outcome === "ok"
        ? action === "cancel"
          ? "cancelled"
          : "retried"
        : `not-${action === "cancel" ? "cancellable" : "retryable"}`;
    const back = c.req.query("from") === "admin" ? "/app/admin" : `/app/requests/${id}`;
    return c.redirect(`${back}?m=${m}`, 303);
  })
  .post("/requests/:id/review", requireAdmin, async (c) => {
    const body = await formOf(c);
    const id = c.req.param("id");
    const decision = str(body.decision);
    if (decision !== "approve" && decision !== "reject") {
      throw new HttpProblem(400, "bad-request", "Bad Request", "The decision must be approve or reject.");
    }
    const _found = await ownRequest(c, id);
    const result = await c.env.JOB_COORDINATOR.getByName(id).review(id, decision);
    if (result.outcome === "ok") {
      await audit(c, { action: `submission.review_${decision}d`, targetType: "submission", targetId: id });
    }
    const m = result.outcome === "ok" ? (decision === "approve" ? "approved" : "rejected") : "not-reviewable";
    return c.redirect(`/app/requests/${id}?m=${m}`, 303);
  })
  .get("/profile", (c) => ProfilePage(c, null, null))
  .post("/profile", async (c) => {
    const body = await formOf(c);
    const parsed = z
      .object({
        name: z.string().trim().max(100),
        locale: z.enum(["en", "cs"]),
        timeZone: z.string().refine(validZone, { error: "Unknown time zone." }),
      })
      .safeParse({ name: str(body.name), locale: str(body.locale), timeZone: str(body.timeZone) });
    if (!parsed.success) {
      return ProfilePage(c, { kind: "bad", text: parsed.error.issues[0]?.message ?? "Check the fields." }, null);
    }
    await db(c.env.DB)
      .update(users)
      .set({ ...parsed.data, updatedAt: Date.now() })
      .where(eq(users.id, c.get("user").id));
    return c.redirect("/app/profile?m=saved", 303);
  })
  .get("/account/export", async (c) => {
    await audit(c, { action: "account.exported", targetType: "user", targetId: c.get("user").id });
    return exportResponse(await buildExport(c.env, c.get("user").id));
  })
  .post("/account/delete", async (c) => {
    const body = await formOf(c);
    const user = c.get("user");
    if (str(body.confirm).trim().toLowerCase() !== user.email) {
      return ProfilePage(c, { kind: "bad", text: "Type your email address exactly to delete the account." }, null);
    }
    await deleteAccount(c.env, user.id, c.get("log"));
    await audit(c, { action: "account.deleted", targetType: "user", targetId: user.id });
    clearSessionCookie(c);
    return c.redirect("/auth/signin?m=account-deleted", 303);
  })
  .post("/keys", async (c) => {
    const body = await formOf(c);
    const scopes = parseScopes(list(body.scopes).join(" "));
    if (scopes.length === 0) return ProfilePage(c, { kind: "bad", text: "Choose at least one scope." }, null);
    let created: Awaited<ReturnType<typeof createApiKey>>;
    try {
      created = await createApiKey(db(c.env.DB), c.get("user").id, str(body.name), scopes, {
        max: apiKeysPerUser(c.env),
      });
    } catch (error) {
      // The cap (409) and an unverified account (403): the reason on the page, with that status.
      if (error instanceof HttpProblem && (error.status === 409 || error.status === 403)) {
        return ProfilePage(c, { kind: "bad", text: error.message }, null, error.status);
      }
      throw error;
    }
    const { key, row } = created;
    await audit(c, {
      action: "apikey.created",
      targetType: "api_key",
      targetId: row.id,
      after: { scopes, prefix: row.prefix },
    });
    await notifyAccount(c.env, {
      event: "account.api_key_created",
      userId: row.userId,
      subjectId: row.id,
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    return ProfilePage(c, { kind: "ok", text: "Your API key is ready. Copy it now: it is not shown again." }, key);
  })
  .post("/password", async (c) => {
    const body = await formOf(c);
    const user = c.get("user");
    // Only a passwordless account sets one here (after a magic link, or after proving the
    // mailbox dropped a password chosen by whoever signed up); a password is changed by reset.
    if (user.passwordHash) {
      return ProfilePage(c, { kind: "bad", text: "You have a password already: change it with a reset link." }, null);
    }
    const password = str(body.password);
    if (password.length < MIN_PASSWORD_LENGTH || password.length > 200) {
      return ProfilePage(
        c,
        { kind: "bad", text: `Use at least ${MIN_PASSWORD_LENGTH} and at most 200 characters.` },
        null,
      );
    }
    await setPassword(db(c.env.DB), user.id, password);
    await audit(c, { action: "auth.password_set", targetType: "user", targetId: user.id });
    await notifyAccount(c.env, {
      event: "account.password_changed",
      userId: user.id,
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    return c.redirect("/app/profile?m=password-set", 303);
  })
  .post("/keys/:id/revoke", async (c) => {
    await formOf(c);
    if (await revokeApiKey(db(c.env.DB), c.get("user").id, c.req.param("id"))) {
      await audit(c, { action: "apikey.revoked", targetType: "api_key", targetId: c.req.param("id") });
    }
    return c.redirect("/app/profile?m=key-revoked", 303);
  })
  .post("/sessions/:id/revoke", async (c) => {
    await formOf(c);
    const user = c.get("user");
    await revokeSession(db(c.env.DB), c.req.param("id"), user.id);
    if (c.req.param("id") === c.get("session")?.id) {
      clearSessionCookie(c);
      return c.redirect("/auth/signin?m=signed-out", 303);
    }
    return c.redirect("/app/profile?m=session-revoked", 303);
  })
  .post("/sessions/revoke-all", async (c) => {
    await formOf(c);
    await revokeAllSessions(db(c.env.DB), c.get("user").id);
    clearSessionCookie(c);
    return c.redirect("/auth/signin?m=signed-out-everywhere", 303);
  })
  .get("/admin", requireAdmin, async (c) => {
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
            notification delivery.
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
                        <button
                          type="submit"
                          name="action"
                          value={u.role === "admin" ? "make-user" : "make-admin"}
                          class="secondary"
                        >
                          {u.role === "admin" ? "Make user" : "Make admin"}
                        </button>
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
            <table>
              <caption class="skip">The 50 newest requests of every user</caption>
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="opt">
                    Sent
                  </th>
                </tr>
              </thead>
              <tbody>
                {recent.map((s) => (
                  <tr>
                    <td>
                      <a class="mono" href={`/app/requests/${s.id}`}>
                        {s.id}
                      </a>
                      <div class="muted">{s.email}</div>
                    </td>
                    <td>
                      <Badge status={s.status} />
                    </td>
                    <td class="opt">
                      <Time ms={s.createdAt} zone={zone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
  .post("/admin/users/:id", requireAdmin, async (c) => {
    const body = await formOf(c);
    const id = c.req.param("id");
    if (id === c.get("user").id) {
      throw new HttpProblem(409, "conflict", "Conflict", "You cannot change your own account here.");
    }
    const action = str(body.action);
    const changes =
      action === "disable"
        ? { disabledAt: Date.now() }
        : action === "enable"
          ? { disabledAt: null }
          : action === "make-admin"
            ? { role: "admin" as const }
            : action === "make-user"
              ? { role: "user" as const }
              : null;
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
      action: action.startsWith("make-") ? "user.role_changed" : `user.${action}d`,
      targetType: "user",
      targetId: id,
      before,
      after,
    });
    if (action === "disable") await revokeAllSessions(d, id);
    // The user's keys answer with the new role or state at once in this isolate.
    keyCache.forget({ userId: id });
    return c.redirect("/app/admin?m=user-updated", 303);
  })
  .route("/admin", adminPages);

/** A request the signed-in user may see (owner or admin), or the portal's 404 page. */
async function ownRequest(c: Context<AppEnv>, id: string) {
  const found = await findSubmission(db(c.env.DB), id, c.get("user"));
  if (!found) throw new HttpProblem(404, "not-found", "Request not found", "You have no request with that id.");
  return found;
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function NewRequestPage(c: Context<AppEnv>, flash: Flash | null, text: string, status?: number) {
  const limits = uploadLimits(c.env);
  return page(
    c,
    "New request",
    "/app/requests/new",
    <>
      <h1>New request</h1>
      <form
        class="card"
        method="post"
        action="/app/requests"
        enctype="multipart/form-data"
        data-upload-form
        data-max-file={limits.maxFileBytes}
        data-max-request={limits.maxRequestBytes}
        data-max-files={limits.maxFiles}
      >
        {/* First in the form, so the server checks it before storing any file. */}
        <Csrf c={c} />
        <label for="text">What do you need?</label>
        <textarea id="text" name="text" maxlength={MAX_TEXT_CHARS} required aria-describedby="text-hint">
          {text}
        </textarea>
        <p class="hint" id="text-hint">
          Up to {MAX_TEXT_CHARS.toLocaleString("en")} characters, in any language. The result appears here and is
          emailed to {c.get("user").email}. <span data-count-for="text" />
        </p>
        <label for="files">Files and voice notes (optional)</label>
        <div class="drop" data-drop>
          <input type="file" id="files" name="files" multiple accept={ACCEPT_ATTRIBUTE} aria-describedby="files-hint" />
          <p class="hint" data-drop-hint hidden>
            …or drop files here.
          </p>
        </div>
        <p class="hint" id="files-hint">
          Up to {limits.maxFiles} files, each at most {formatBytes(limits.maxFileBytes)}, together at most{" "}
          {formatBytes(limits.maxRequestBytes)}. Accepted: {ACCEPTED_SUMMARY}. Each file is checked by its content, not
          only its name; documents are read and audio is transcribed into your request.
        </p>
        <div class="actions" data-recorder hidden>
          <button type="button" class="secondary" data-record>
            Record a voice note
          </button>
          <span class="muted" data-record-status aria-live="polite" />
        </div>
        <ul class="files" data-file-list aria-live="polite" />
        <p class="flash bad" data-upload-error role="alert" hidden />
        <div data-upload-progress hidden>
          <label for="upload-progress">Upload</label>
          <progress id="upload-progress" max="100" value="0" />
          <span class="muted" data-upload-status aria-live="polite" />
        </div>
        <div class="actions">
          <button type="submit">Send request</button>
        </div>
      </form>
    </>,
    flash,
    status ?? (flash?.kind === "bad" ? 422 : 200),
  );
}

async function ProfilePage(c: Context<AppEnv>, flash: Flash | null, newKey: string | null, status = 200) {
  const user = c.get("user");
  const d = db(c.env.DB);
  const [keys, sessions] = await Promise.all([listApiKeys(d, user.id), listSessions(d, user.id)]);
  const current = c.get("session")?.id;
  return page(
    c,
    "Profile",
    "/app/profile",
    <>
      <h1>Profile</h1>
      {newKey ? (
        <div class="card secret">
          <p>
            <strong>Your new API key</strong> (shown once):
          </p>
          <p class="mono" data-new-api-key>
            {newKey}
          </p>
          <p class="hint">
            Send it as <code>Authorization: Bearer &lt;key&gt;</code> to the API.
          </p>
        </div>
      ) : null}
      <form class="card" method="post" action="/app/profile">
        <Csrf c={c} />
        <h2>About you</h2>
        <p class="muted">{user.email}</p>
        <label for="name">Name</label>
        <input id="name" name="name" type="text" value={user.name} autocomplete="name" />
        <label for="locale">Language</label>
        <select id="locale" name="locale">
          <option value="en" selected={user.locale === "en"}>
            English
          </option>
          <option value="cs" selected={user.locale === "cs"}>
            Čeština
          </option>
        </select>
        <label for="timeZone">Time zone</label>
        <input id="timeZone" name="timeZone" type="text" value={user.timeZone} aria-describedby="tz-hint" />
        <p class="hint" id="tz-hint">
          An IANA name such as Europe/Prague or America/New_York.
        </p>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
      {user.passwordHash ? (
        <div class="card">
          <h2>Password</h2>
          <p>
            To change your password, <a href="/auth/reset">ask for a reset link</a>. A reset signs you out everywhere
            and revokes your API keys.
          </p>
        </div>
      ) : (
        <form class="card" method="post" action="/app/password">
          <Csrf c={c} />
          <h2>Set a password</h2>
          <p>Your account has no password: you sign in with links sent to {user.email}. Set one to sign in with it.</p>
          <label for="new-password">New password</label>
          <input
            id="new-password"
            name="password"
            type="password"
            required
            minlength={MIN_PASSWORD_LENGTH}
            autocomplete="new-password"
            aria-describedby="new-password-hint"
          />
          <p class="hint" id="new-password-hint">
            At least {MIN_PASSWORD_LENGTH} characters.
          </p>
          <div class="actions">
            <button type="submit">Set the password</button>
          </div>
        </form>
      )}
      <NotificationSettings c={c} />
      <div class="card">
        <h2>API keys</h2>
        <p class="hint">
          {keys.length} of {apiKeysPerUser(c.env)} active keys. Each key, and your account as a whole, has its own rate
          limit.
        </p>
        {keys.length === 0 ? (
          <p>No keys yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col" class="opt">
                  Last used
                </th>
                <th scope="col">
                  <span class="skip">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr>
                  <td>
                    {k.name}
                    <div class="muted">{k.scopes}</div>
                  </td>
                  <td class="mono">{k.prefix}…</td>
                  <td class="opt">
                    <Time ms={k.lastUsedAt} zone={user.timeZone} />
                  </td>
                  <td>
                    <form method="post" action={`/app/keys/${k.id}/revoke`}>
                      <Csrf c={c} />
                      <button type="submit" class="danger">
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form method="post" action="/app/keys">
          <Csrf c={c} />
          <label for="key-name">New key name</label>
          <input id="key-name" name="name" type="text" required placeholder="e.g. CI pipeline" />
          <fieldset>
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label>
                <input type="checkbox" name="scopes" value={s} checked={s.startsWith("submissions:")} /> {s}
              </label>
            ))}
          </fieldset>
          <div class="actions">
            <button type="submit">Create key</button>
          </div>
        </form>
      </div>
      <div class="card">
        <h2>Your data</h2>
        <p>
          Everything StateX holds about you — profile, requests with their inputs and results, messages sent, API keys
          and webhooks (without secrets) — as one ZIP archive.
        </p>
        <div class="actions">
          <a class="button secondary" href="/app/account/export" download>
            Download all my data
          </a>
        </div>
        <form method="post" action="/app/account/delete">
          <Csrf c={c} />
          <h2>Delete your account</h2>
          <p>
            This removes your account and everything in it — requests, files, results, keys, webhooks — at once and for
            good. Download your data first if you want to keep it.
          </p>
          <label for="confirm-delete">Type your email address to confirm</label>
          <input id="confirm-delete" name="confirm" type="email" required autocomplete="off" />
          <div class="actions">
            <button type="submit" class="danger">
              Delete my account
            </button>
          </div>
        </form>
      </div>
      <div class="card">
        <h2>Signed-in sessions</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col" class="opt">
                Last active
              </th>
              <th scope="col">
                <span class="skip">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr>
                <td>
                  {(s.userAgent ?? "Unknown device").slice(0, 80)}
                  {s.id === current ? <strong> · this device</strong> : null}
                </td>
                <td class="opt">
                  <Time ms={s.lastSeenAt} zone={user.timeZone} />
                </td>
                <td>
                  <form method="post" action={`/app/sessions/${s.id}/revoke`}>
                    <Csrf c={c} />
                    <button type="submit" class="secondary">
                      Sign out
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/app/sessions/revoke-all" class="actions">
          <Csrf c={c} />
          <button type="submit" class="danger">
            Sign out everywhere
          </button>
        </form>
      </div>
    </>,
    flash,
    status,
  );
}
