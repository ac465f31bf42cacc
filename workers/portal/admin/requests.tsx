/**
 * `/app/admin/requests` and `/app/admin/requests.csv`: every user's request history searched
 * from the portal, with the same query and export as the admin API (workers/admin/submissions).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { SUBMISSION_STATUSES } from "../../../shared/db/schema";
import { snippetHtml } from "../../../shared/fts";
import { type SubmissionFilter, searchSubmissions } from "../../admin/submissions/repo";
import { exportSubmissions } from "../../admin/submissions/service";
import type { AppEnv } from "../../app-env";
import { pick, RequestTable } from "../kit";
import { adminPage } from "./page";
import {
  attempt,
  cursorParam,
  Pager,
  param,
  queryOf,
  SearchBox,
  SearchFlash,
  SearchHint,
  Snippet,
  sortParam,
  timeParam,
} from "./search";

const REQUESTS_PAGE = 50;

/** The request-history filter of a portal request's query string. */
function requestsFilter(c: Context<AppEnv>) {
  const cursor = cursorParam(c);
  return {
    q: param(c, "q", 200),
    sort: sortParam(c),
    status: pick(SUBMISSION_STATUSES, c.req.query("status")),
    owner: param(c, "owner", 254),
    from: timeParam(c, "from"),
    to: timeParam(c, "to"),
    before: cursor && "before" in cursor && typeof cursor.before === "string" ? cursor.before : undefined,
    offset: cursor && "offset" in cursor ? cursor.offset : undefined,
  } satisfies SubmissionFilter;
}

/** The request history's search page and CSV export; mounted behind `requireAdmin` (index.tsx). */
export const requestPages = new Hono<AppEnv>()
  .get("/requests.csv", (c) => exportSubmissions(c, requestsFilter(c)))
  .get("/requests", async (c) => {
    const filter = requestsFilter(c);
    const { result, flash } = await attempt(() => searchSubmissions(c.env.DB, filter, REQUESTS_PAGE), {
      rows: [],
      next: null,
    });
    const { rows, next } = result;
    const base = { ...filter, before: undefined, offset: undefined };
    const zone = c.get("user").timeZone;
    return adminPage(
      c,
      "Request history",
      "/app/admin",
      <>
        <h1>Request history</h1>
        <form class="filters" method="get" action="/app/admin/requests">
          <SearchBox id="requests" value={filter.q} sort={filter.sort} />
          <div>
            <label for="requests-status">Status</label>
            <select id="requests-status" name="status">
              <option value="">Any</option>
              {SUBMISSION_STATUSES.map((s) => (
                <option value={s} selected={filter.status === s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          {(
            [
              ["owner", "Owner", "usr_… or address"],
              ["from", "From (ISO time)", "2026-11-01T00:00:00Z"],
              ["to", "To (ISO time)", "2026-11-30T23:59:59Z"],
            ] as const
          ).map(([name, label, hint]) => (
            <div>
              <label for={`requests-${name}`}>{label}</label>
              <input id={`requests-${name}`} name={name} type="text" value={filter[name] ?? ""} placeholder={hint} />
            </div>
          ))}
          <button type="submit" class="secondary">
            Search
          </button>
          <a class="button secondary" href={`/app/admin/requests.csv?${queryOf(base)}`}>
            Download CSV
          </a>
        </form>
        <SearchHint id="requests" />
        <SearchFlash flash={flash} />
        <div class="card">
          {rows.length === 0 ? (
            <p>No requests match.</p>
          ) : (
            <RequestTable
              rows={rows}
              zone={zone}
              first={(s) => (
                <>
                  <a class="mono" href={`/app/requests/${s.id}`}>
                    {s.id}
                  </a>
                  <div class="muted">{s.email}</div>
                  {s.snippet ? <Snippet html={snippetHtml(s.snippet)} /> : <div>{s.excerpt}</div>}
                  {s.error ? <div class="muted">{s.error}</div> : null}
                </>
              )}
            />
          )}
          <Pager href="/app/admin/requests" query={base} next={next} />
        </div>
      </>,
      flash ? 400 : 200,
    );
  });
