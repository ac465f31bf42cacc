/**
 * `GET /app/desk`: the inbox. Every request from every intake with its desk status, assignee,
 * channel, customer, age and how long its customer has waited; status tabs with counts, and
 * filters, search, order and paging all in the query string, so every view is a link and works
 * without JavaScript. A query the inbox cannot run (a search of no words, a page link it did
 * not make) is a message on the page (400), never an error page.
 *
 * Rows of jobs still running carry `data-job-status`: the desk script watches them over
 * `/app/desk/events` and refreshes a row when its job moves (docs/desk.md).
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { isTerminal } from "../../../shared/db/schema";
import {
  INBOX_CHANNELS,
  INBOX_SORTS,
  INBOX_TABS,
  type InboxPage,
  type InboxQuery,
  inboxPage,
  inboxQueryOf,
  tabCounts,
} from "../../../shared/desk/inbox";
import { staffMembers } from "../../../shared/desk/state";
import { snippetHtml } from "../../../shared/fts";
import type { AppEnv } from "../../app-env";
import { attempt, queryOf, SearchFlash, Snippet } from "../admin/search";
import { Badge } from "../layout";
import { page } from "./area";
import { Ago, DeskAssets, deskStatusLabel } from "./parts";

const TAB_LABELS: Record<(typeof INBOX_TABS)[number], string> = {
  unresolved: "Unresolved",
  new: "New",
  open: "Open",
  waiting: "Waiting on customer",
  resolved: "Resolved",
  all: "All",
};
const SORT_LABELS: Record<(typeof INBOX_SORTS)[number], string> = {
  waiting: "Customer waiting longest",
  newest: "Newest",
  oldest: "Oldest",
  activity: "Last activity",
};

/** The query string of `query` (defaults left out), with `change` over it. */
function linkOf(query: InboxQuery, change: Partial<Record<string, string | undefined>> = {}) {
  const assignee =
    query.assignee.kind === "member" ? (query.assignee.me ? "me" : query.assignee.id) : query.assignee.kind;
  const values = {
    status: query.tab === "unresolved" ? undefined : query.tab,
    assignee: assignee === "any" ? undefined : assignee,
    channel: query.channel,
    q: query.q,
    sort: query.sort === "waiting" ? undefined : query.sort,
    ...change,
  };
  const qs = queryOf(values);
  return `/app/desk${qs ? `?${qs}` : ""}`;
}

/** `GET /app/desk`. */
export async function inbox(c: Context<AppEnv>) {
  const me = c.get("user");
  const query = inboxQueryOf((name) => c.req.query(name), me.id);
  const [members, { result, flash }] = await Promise.all([
    staffMembers(db(c.env.DB)),
    attempt<InboxPage>(() => inboxPage(c.env.DB, query), {
      rows: [],
      next: null,
      counts: { new: 0, open: 0, waiting: 0, resolved: 0 },
    }),
  ]);
  const counts = tabCounts(result.counts);
  const zone = me.timeZone;
  const now = Date.now();
  const assigneeValue =
    query.assignee.kind === "member" ? (query.assignee.me ? "me" : query.assignee.id) : query.assignee.kind;
  return page(
    c,
    "Desk",
    "/app/desk",
    <>
      <DeskAssets />
      <div class="desk-head">
        <h1>Desk</h1>
        <a href="/app/desk/replies">Saved replies</a>
      </div>
      <nav class="tabs" aria-label="Desk status">
        {INBOX_TABS.map((tab) => (
          <a
            href={linkOf(query, { status: tab === "unresolved" ? undefined : tab, cursor: undefined })}
            aria-current={query.tab === tab ? "page" : undefined}
          >
            {TAB_LABELS[tab]}{" "}
            <span class="count" data-count={tab}>
              {counts[tab]}
            </span>
          </a>
        ))}
      </nav>
      <form class="filters" method="get" action="/app/desk">
        {query.tab !== "unresolved" ? <input type="hidden" name="status" value={query.tab} /> : null}
        <div>
          <label for="desk-q">Search</label>
          <input
            id="desk-q"
            name="q"
            type="text"
            value={query.q ?? ""}
            maxlength={200}
            placeholder="words, ids, addresses; prefix*"
          />
        </div>
        <div>
          <label for="desk-assignee">Assignee</label>
          <select id="desk-assignee" name="assignee">
            <option value="any" selected={assigneeValue === "any"}>
              Anyone
            </option>
            <option value="me" selected={assigneeValue === "me"}>
              Me
            </option>
            <option value="unassigned" selected={assigneeValue === "unassigned"}>
              Unassigned
            </option>
            {members
              .filter((m) => m.id !== me.id)
              .map((m) => (
                <option value={m.id} selected={assigneeValue === m.id}>
                  {m.name || m.email}
                </option>
              ))}
          </select>
        </div>
        <div>
          <label for="desk-channel">Channel</label>
          <select id="desk-channel" name="channel">
            <option value="">Any</option>
            {INBOX_CHANNELS.map((ch) => (
              <option value={ch} selected={query.channel === ch}>
                {ch === "api" ? "API" : ch}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="desk-sort">Order</label>
          <select id="desk-sort" name="sort">
            {INBOX_SORTS.map((s) => (
              <option value={s} selected={query.sort === s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="secondary">
          Show
        </button>
      </form>
      <SearchFlash flash={flash} />
      <div class="card">
        {result.rows.length === 0 ? (
          <p>No requests here.</p>
        ) : (
          <table class="inbox">
            <caption class="skip">Requests</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Assignee</th>
                <th scope="col" class="opt">
                  Channel
                </th>
                <th scope="col">Customer</th>
                <th scope="col" class="opt">
                  Age
                </th>
                <th scope="col">Customer wrote</th>
              </tr>
            </thead>
            <tbody data-desk-inbox>
              {result.rows.map((r) => (
                <tr data-row={r.id} data-job-status={isTerminal(r.jobStatus) ? undefined : r.jobStatus}>
                  <td>
                    <a class="mono" href={`/app/desk/${r.id}`}>
                      {r.id}
                    </a>
                    {r.snippet ? (
                      <Snippet html={snippetHtml(r.snippet)} />
                    ) : (
                      <div class="excerpt">{r.excerpt ?? ""}</div>
                    )}
                  </td>
                  <td>
                    <span class={`desk ${r.deskStatus}`}>{deskStatusLabel(r.deskStatus)}</span>
                    {r.jobStatus !== "completed" ? (
                      <div>
                        <Badge status={r.jobStatus} />
                      </div>
                    ) : null}
                    {r.reviewPolicy === "review" ? <div class="muted">review</div> : null}
                  </td>
                  <td>
                    {r.assigneeId ? (
                      r.assigneeId === me.id ? (
                        "Me"
                      ) : (
                        r.assigneeName || r.assigneeEmail
                      )
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="opt">{r.channel === "api" ? "API" : r.channel}</td>
                  <td>
                    {r.customerName ? <div>{r.customerName}</div> : null}
                    <div class="muted">{r.customerEmail}</div>
                  </td>
                  <td class="opt">
                    <Ago ms={r.createdAt} now={now} zone={zone} />
                  </td>
                  <td>
                    <Ago ms={r.lastCustomerAt} now={now} zone={zone} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div class="pager">
          {query.cursor ? <a href={linkOf(query)}>← First page</a> : <span />}
          {result.next ? <a href={linkOf(query, { cursor: result.next })}>Next page →</a> : <span />}
        </div>
      </div>
    </>,
    null,
    flash ? 400 : 200,
  );
}
