/**
 * The profile page: about you, the password, notification settings, API keys, your data
 * (download, delete) and signed-in sessions, with the messages the profile's redirects carry.
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { SCOPES } from "../../../shared/db/schema";
import type { AppEnv } from "../../app-env";
import { apiKeysPerUser, listApiKeys, listSessions, MIN_PASSWORD_LENGTH } from "../../auth/service";
import { Csrf, type Flashes, pageFor } from "../kit";
import { type Flash, Time } from "../layout";
import { NotificationSettings } from "../notifications";

const flashes: Flashes = {
  saved: { kind: "ok", text: "Saved." },
  "key-revoked": { kind: "ok", text: "The API key is revoked." },
  "password-removed": {
    kind: "info",
    text: "Your address is confirmed. The account was created before anyone proved they read this mailbox — anyone can sign up with someone else's address — so we removed the password it was created with, signed out its other sessions and revoked its API keys. Set a password below, or keep signing in with emailed links.",
  },
  "password-set": { kind: "ok", text: "Your password is set. Sign in with it from now on, or with an emailed link." },
  "session-revoked": { kind: "ok", text: "That session is signed out." },
};

const page = pageFor(flashes);

/**
 * The profile page, with `flash` (or the message of the URL's `?m=` code) and, once, a new API
 * key `newKey`.
 */
export async function ProfilePage(c: Context<AppEnv>, flash: Flash | null, newKey: string | null, status = 200) {
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
      <form class="card" method="post" action="/app/known-sender">
        <Csrf c={c} />
        <h2>Requests by email</h2>
        <p>
          A request you email to StateX from {user.email} normally waits until you confirm it with a link we send back:
          anyone can put your address on a message.
        </p>
        <fieldset>
          <legend>Skip the confirmation for mail from my address</legend>
          {(
            [
              ["off", "Never: always ask me to confirm."],
              ["authenticated", "When my mail server's signature checks out (a passing DMARC or SPF result)."],
              ["always", "Always: trust my address without authentication. Anyone who forges it can spend my quota."],
            ] as const
          ).map(([value, label]) => (
            <label>
              <input type="radio" name="knownSender" value={value} checked={user.knownSender === value} /> {label}
            </label>
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
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
