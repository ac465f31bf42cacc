/**
 * The portal's profile area, mounted at `/app` by the portal router: the profile page and
 * what its forms post to — name, language and time zone, a first password, whether requests
 * mailed from the account's address skip confirmation (known sender), API keys, signed-in
 * sessions, and the account's data (download it, delete it).
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { db } from "../../../shared/db/client";
import { KNOWN_SENDER_MODES, users } from "../../../shared/db/schema";
import { HttpProblem } from "../../../shared/http/problem";
import { notifyAccount } from "../../../shared/notifications/account";
import { deleteConfirmedAccount, exportAccount } from "../../account/service";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import {
  apiKeysPerUser,
  createApiKey,
  MIN_PASSWORD_LENGTH,
  parseScopes,
  revokeAllSessions,
  revokeApiKey,
  revokeSession,
  setPassword,
} from "../../auth/service";
import { formOf, list, str } from "../kit";
import { clearSessionCookie } from "../session";
import { ProfilePage } from "./view";

/** Whether `zone` is an IANA time zone this runtime knows. */
function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `/app/profile`, `/app/password`, `/app/keys/*`, `/app/sessions/*`, `/app/account/*`. */
export const profilePages = new Hono<AppEnv>()
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
  .post("/known-sender", async (c) => {
    const body = await formOf(c);
    const mode = z.enum(KNOWN_SENDER_MODES).safeParse(str(body.knownSender));
    if (!mode.success) return ProfilePage(c, { kind: "bad", text: "Choose one of the options." }, null, 422);
    const user = c.get("user");
    await db(c.env.DB)
      .update(users)
      .set({ knownSender: mode.data, updatedAt: Date.now() })
      .where(eq(users.id, user.id));
    await audit(c, {
      action: "account.known_sender_changed",
      targetType: "user",
      targetId: user.id,
      before: { knownSender: user.knownSender },
      after: { knownSender: mode.data },
    });
    return c.redirect("/app/profile?m=saved", 303);
  })
  .get("/account/export", (c) => exportAccount(c.env, c.get("user").id, (entry) => audit(c, entry)))
  .post("/account/delete", async (c) => {
    const body = await formOf(c);
    const user = c.get("user");
    const deleted = await deleteConfirmedAccount(c.env, user, str(body.confirm), c.get("log"), (entry) =>
      audit(c, entry),
    );
    if (!deleted) {
      return ProfilePage(c, { kind: "bad", text: "Type your email address exactly to delete the account." }, null);
    }
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
  });
