/**
 * The portal's home page: the signed-in user's own requests, newest first, filtered by status
 * and paged by the last id shown.
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { SUBMISSION_STATUSES, type SubmissionStatus } from "../../../shared/db/schema";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import { released } from "../../../shared/submissions/release";
import { listSubmissions } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { RequestTable } from "../kit";
import { page } from "./area";

const PAGE_SIZE = 20;

/** `GET /app`: one page of the user's requests. */
export async function listRequests(c: Context<AppEnv>) {
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
  const shown = rows.slice(0, PAGE_SIZE).map(released);
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
            No requests {status ? `with status ${status} ` : ""}yet. <a href="/app/requests/new">Send your first one</a>
            .
          </p>
        ) : (
          <RequestTable
            rows={shown}
            caption="Your requests, newest first"
            zone={user.timeZone}
            first={(s) => (
              <>
                <a href={`/app/requests/${s.id}`}>{s.summary ? s.summary.slice(0, 120) : s.id}</a>
                <div class="muted mono">{s.id}</div>
              </>
            )}
          />
        )}
        <div class="pager">
          {before ? <a href={status ? `/app?status=${status}` : "/app"}>Newest</a> : <span />}
          {nextHref ? <a href={nextHref}>Older →</a> : <span />}
        </div>
      </div>
    </>,
  );
}
