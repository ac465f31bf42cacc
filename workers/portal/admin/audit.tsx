/**
 * `/app/admin/audit` and `/app/admin/audit.csv`: the audit trail searched from the portal, with
 * the same query and export as the admin API (workers/admin/audit).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { snippetHtml } from "../../../shared/fts";
import { type AuditFilter, searchAudit } from "../../admin/audit/repo";
import { exportAudit } from "../../admin/audit/service";
import type { AppEnv } from "../../app-env";
import { Time } from "../layout";
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

const AUDIT_PAGE = 50;

/** The audit filter of a portal request's query string (unknown keys ignored). */
function auditFilter(c: Context<AppEnv>) {
  const cursor = cursorParam(c);
  const before = Number(c.req.query("before"));
  return {
    q: param(c, "q", 200),
    sort: sortParam(c),
    action: param(c, "action"),
    actorId: param(c, "actorId"),
    targetId: param(c, "targetId"),
    from: timeParam(c, "from"),
    to: timeParam(c, "to"),
    before:
      cursor && "before" in cursor && typeof cursor.before === "number"
        ? cursor.before
        : Number.isInteger(before) && before > 0
          ? before
          : undefined,
    offset: cursor && "offset" in cursor ? cursor.offset : undefined,
  } satisfies AuditFilter;
}

/** The audit trail's search page and CSV export; mounted behind `requireAdmin` (index.tsx). */
export const auditPages = new Hono<AppEnv>()
  .get("/audit.csv", (c) => exportAudit(c, auditFilter(c)))
  .get("/audit", async (c) => {
    const filter = auditFilter(c);
    const { result, flash } = await attempt(() => searchAudit(c.env.DB, filter, AUDIT_PAGE), {
      rows: [],
      next: null,
    });
    const { rows, next } = result;
    const base = { ...filter, before: undefined, offset: undefined };
    const zone = c.get("user").timeZone;
    return adminPage(
      c,
      "Audit trail",
      "/app/admin",
      <>
        <h1>Audit trail</h1>
        <form class="filters" method="get" action="/app/admin/audit">
          <SearchBox id="audit" value={filter.q} sort={filter.sort} />
          {(
            [
              ["action", "Action", "e.g. auth.signin"],
              ["actorId", "Actor id", "usr_…"],
              ["targetId", "Target id", "sub_…, usr_…"],
              ["from", "From (ISO time)", "2026-11-01T00:00:00Z"],
              ["to", "To (ISO time)", "2026-11-30T23:59:59Z"],
            ] as const
          ).map(([name, label, hint]) => (
            <div>
              <label for={`audit-${name}`}>{label}</label>
              <input id={`audit-${name}`} name={name} type="text" value={filter[name] ?? ""} placeholder={hint} />
            </div>
          ))}
          <button type="submit" class="secondary">
            Search
          </button>
          <a class="button secondary" href={`/app/admin/audit.csv?${queryOf(base)}`}>
            Download CSV
          </a>
        </form>
        <SearchHint id="audit" />
        <SearchFlash flash={flash} />
        <div class="card">
          {rows.length === 0 ? (
            <p>No entries match.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col" class="opt">
                    Target
                  </th>
                  <th scope="col" class="opt">
                    From
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>
                      <Time ms={r.at} zone={zone} />
                      <div class="muted mono">#{r.id}</div>
                    </td>
                    <td>
                      <span class="mono">{r.action}</span>
                      <Snippet html={snippetHtml(r.snippet)} />
                    </td>
                    <td>
                      {r.actorType}
                      <div class="muted mono">{r.actorId ?? "—"}</div>
                    </td>
                    <td class="opt mono">{r.targetId ? `${r.targetType}: ${r.targetId}` : "—"}</td>
                    <td class="opt">
                      {r.ip ?? "—"}
                      <div class="muted mono">{r.correlationId}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager href="/app/admin/audit" query={base} next={next} />
        </div>
      </>,
      flash ? 400 : 200,
    );
  });
