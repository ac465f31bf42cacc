/**
 * `/auth/invite`: accepting a staff invitation from its emailed link. GET only shows what will
 * happen (mail scanners fetch links), with a password field when accepting needs one (a new or
 * unverified account: `acceptNeedsPassword`); POST uses the link once, makes the account staff
 * and signs its owner in. Both steps are on the audit trail.
 */
import { Hono } from "hono";
import { db } from "../../../shared/db/client";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { MIN_PASSWORD_LENGTH } from "../../auth/service";
import { acceptInvite, acceptNeedsPassword, pendingInvite } from "../../auth/staff";
import { anonCsrf, checkAnonCsrf } from "../session";
import { field, form, passwordField, startSession } from "./auth-flow";
import { AuthPage, Field } from "./auth-pages";

const TITLE = "Join the staff of StateX";

function InvitePage(
  c: Parameters<typeof AuthPage>[0]["c"],
  token: string,
  email: string,
  needsPassword: boolean,
  error: string | null,
) {
  return AuthPage({
    c,
    title: TITLE,
    flash: error ? { kind: "bad", text: error } : null,
    children: (
      <form method="post" action="/auth/invite">
        <p>
          You are invited to answer customer requests as staff, with the account <strong>{email}</strong>.
        </p>
        <input type="hidden" name="_csrf" value={anonCsrf(c)} />
        <input type="hidden" name="token" value={token} />
        {needsPassword ? (
          <Field
            name="password"
            label="Choose a password"
            type="password"
            autocomplete="new-password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
          />
        ) : null}
        <div class="actions">
          <button type="submit">Accept the invitation</button>
        </div>
      </form>
    ),
  });
}

/** The invitation pages, mounted under `/auth` by the auth router. */
export const invitePages = new Hono<AppEnv>()
  .get("/invite", async (c) => {
    const token = c.req.query("token") ?? "";
    const user = await pendingInvite(db(c.env.DB), token);
    if (!user) return c.redirect("/auth/signin?m=link-invalid", 303);
    return InvitePage(c, token, user.email, acceptNeedsPassword(user), null);
  })
  .post("/invite", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const d = db(c.env.DB);
    const token = field(f, "token");
    const invited = await pendingInvite(d, token);
    if (!invited) return c.redirect("/auth/signin?m=link-invalid", 303);
    let password: string | null = null;
    if (acceptNeedsPassword(invited)) {
      const parsed = passwordField.safeParse(field(f, "password"));
      if (!parsed.success) {
        return InvitePage(c, token, invited.email, true, parsed.error.issues[0]?.message ?? "Choose another password.");
      }
      password = parsed.data;
    }
    const accepted = await acceptInvite(d, token, password);
    if (!accepted) return c.redirect("/auth/signin?m=link-invalid", 303);
    await audit(c, {
      actorId: accepted.user.id,
      actorType: accepted.user.role,
      action: "staff.joined",
      targetType: "user",
      targetId: accepted.user.id,
      before: { role: accepted.before },
      after: { role: accepted.user.role },
    });
    return startSession(c, accepted.user.id, "/app");
  });
