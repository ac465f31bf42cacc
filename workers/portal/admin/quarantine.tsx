/**
 * `/app/admin/quarantine`: new mail scored as spam (shared/mail/spam/), kept unanswered, with
 * each message's score and reasons; an admin releases it (it then runs as if just received:
 * its sender is asked to confirm) or deletes it (its raw copy goes). Both are audited. A
 * message no longer in quarantine — released or deleted already, or swept — is refused with
 * 409 and nothing changes (shared/mail/quarantine.ts claims each message once).
 */
import { Hono } from "hono";
import { HttpProblem } from "../../../shared/http/problem";
import { INBOUND_ID_PATTERN } from "../../../shared/mail/address";
import { deleteQuarantined, listQuarantine, releaseQuarantined } from "../../../shared/mail/quarantine";
import { spamThreshold } from "../../../shared/mail/spam/score";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { Csrf } from "../kit";
import { Time } from "../layout";
import { adminPage } from "./page";

/** What the page says after an action, by the code its redirect carries (never the URL's text). */
const NOTICES: Record<string, string> = {
  "released-pending": "Released: its sender was asked to confirm the request, as for any new mail.",
  "released-ignored": "Released, but ignored as new mail from that sender would be (too many unconfirmed requests).",
  "released-duplicate": "Released; the same message had arrived again meanwhile, and that copy is the one kept.",
  deleted: "Deleted: the message is gone from storage.",
};

const idOf = (id: string) => {
  if (!INBOUND_ID_PATTERN.test(id)) throw new HttpProblem(404, "not-found", "Not Found", "No such message.");
  return id;
};
const refused = (detail: string) => new HttpProblem(409, "conflict", "Conflict", detail);

/** The quarantine page and its two actions; mounted behind `requireAdmin` (index.tsx). */
export const quarantinePages = new Hono<AppEnv>()
  .get("/quarantine", async (c) => {
    const { rows, total } = await listQuarantine(c.env);
    const zone = c.get("user").timeZone;
    const code = c.req.query("m") ?? "";
    // Own keys only: `?m=constructor` must not find Object.prototype's members.
    const notice = Object.hasOwn(NOTICES, code) ? NOTICES[code] : null;
    return adminPage(
      c,
      "Quarantine",
      "/app/admin/quarantine",
      <>
        <h1>Quarantine</h1>
        {notice ? (
          <div class="flash ok" role="status">
            {notice}
          </div>
        ) : null}
        <p class="hint">
          New mail scoring {spamThreshold(c.env)} or more is kept here unanswered (no acknowledgement goes to a sender
          who may be forged). Releasing runs it as if just received; deleting removes it. Quarantined mail is removed
          with other inbound mail after the retention period. {total} in quarantine
          {total > rows.length ? `, the ${rows.length} newest shown` : ""}.
        </p>
        {rows.length === 0 ? (
          <p class="muted">Nothing is in quarantine.</p>
        ) : (
          <table>
            <caption class="skip">Quarantined mail</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">From</th>
                <th scope="col">Subject</th>
                <th scope="col">Score</th>
                <th scope="col">Reasons</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr id={`mail-${m.id}`}>
                  <td>
                    <Time ms={m.createdAt} zone={zone} />
                  </td>
                  <td>
                    {m.sender}
                    <div class="muted">to {m.recipient}</div>
                  </td>
                  <th scope="row">{m.subject || "(no subject)"}</th>
                  <td data-score={m.spamScore ?? 0}>{m.spamScore ?? "—"}</td>
                  <td>
                    <ul>
                      {m.reasons.map((r) => (
                        <li>
                          <span class="mono">{r.rule}</span> +{r.points}: {r.detail}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <form method="post" action={`/app/admin/quarantine/${m.id}/release`} class="actions">
                      <Csrf c={c} />
                      <button type="submit">Release</button>
                    </form>
                    <form method="post" action={`/app/admin/quarantine/${m.id}/delete`} class="actions">
                      <Csrf c={c} />
                      <button type="submit" class="secondary">
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  })
  .post("/quarantine/:id/release", async (c) => {
    const id = idOf(c.req.param("id"));
    const result = await releaseQuarantined(c.env, id, c.get("log"));
    if (result.status === "refused") throw refused(result.detail);
    if (result.status === "held") throw refused(`The message stays in quarantine: ${result.detail}`);
    await audit(c, {
      action: "quarantine.released",
      targetType: "inbound_email",
      targetId: id,
      before: { status: "quarantined" },
      after: { status: result.outcome, reason: result.reason },
    });
    const code = result.outcome === "pending" || result.outcome === "duplicate" ? result.outcome : "ignored";
    return c.redirect(`/app/admin/quarantine?m=released-${code}`, 303);
  })
  .post("/quarantine/:id/delete", async (c) => {
    const id = idOf(c.req.param("id"));
    const result = await deleteQuarantined(c.env, id);
    if (result.status === "refused") throw refused(result.detail);
    await audit(c, {
      action: "quarantine.deleted",
      targetType: "inbound_email",
      targetId: id,
      before: { status: "quarantined", score: result.score },
      after: { status: "ignored" },
    });
    return c.redirect("/app/admin/quarantine?m=deleted", 303);
  });
