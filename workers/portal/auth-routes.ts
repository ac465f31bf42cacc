/**
 * `/auth/*`, mounted by the app: sign-up and email verification, sign-in (password, with
 * backoff per address, or an emailed link), password reset and sign-out — the handlers, over
 * the steps in `profile/auth-flow.ts` and the pages in `profile/auth-pages.tsx`.
 */
import { Hono } from "hono";
import { z } from "zod";
import { db } from "../../shared/db/client";
import { notifyAccount } from "../../shared/notifications/account";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { clearSigninFailures, recordSigninFailure, signinLockRemaining } from "../auth/backoff";
import { consumeToken, proveMailbox, resetPassword } from "../auth/mailbox";
import { authenticate, createUser, findUserByEmail, revokeAllSessions, revokeSession } from "../auth/service";
import { sendAccountMail } from "./emails";
import {
  afterProof,
  emailField,
  field,
  form,
  mailLinkLater,
  origin,
  passwordField,
  rateLimit,
  safeNext,
  startSession,
} from "./profile/auth-flow";
import {
  CheckEmailPage,
  ConfirmPage,
  NewPasswordPage,
  RequestLinkPage,
  SignInPage,
  SignUpPage,
  signInMessages,
} from "./profile/auth-pages";
import { invitePages } from "./profile/invite";
import {
  checkAnonCsrf,
  checkSessionCsrf,
  clearSessionCookie,
  currentSession,
  isSignupBrowser,
  signupBrowserHash,
} from "./session";

/** `/auth/*`: sign-up, email verification, sign-in (password or magic link), reset, staff invitations, sign-out. */
export const authRoutes = new Hono<AppEnv>()
  .route("/", invitePages)
  .get("/signin", async (c) => {
    if (await currentSession(c)) return c.redirect(safeNext(c.req.query("next")), 303);
    return SignInPage(c, signInMessages[c.req.query("m") ?? ""] ?? null, "", c.req.query("next"));
  })
  .post("/signin", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const email = field(f, "email").trim().toLowerCase();
    await rateLimit(c, "signin", email);
    const d = db(c.env.DB);
    // Per address, whatever the client's IP; checked before the password, so during a lock the
    // answer is the same for every address and every password (backoff.ts).
    const lockedMs = await signinLockRemaining(d, email);
    if (lockedMs > 0) {
      const minutes = Math.ceil(lockedMs / 60_000);
      c.header("Retry-After", String(Math.ceil(lockedMs / 1000)));
      return SignInPage(
        c,
        {
          kind: "bad",
          text: `Too many failed sign-ins for this address. Try again in ${minutes} ${minutes === 1 ? "minute" : "minutes"}, or sign in with an emailed link.`,
        },
        email,
        field(f, "next"),
        429,
      );
    }
    const user = await authenticate(d, email, field(f, "password"));
    if (!user) {
      await recordSigninFailure(d, email);
      await audit(c, { action: "auth.signin_failed", after: { method: "password" } });
      return SignInPage(
        c,
        { kind: "bad", text: "That email and password do not match an account." },
        email,
        field(f, "next"),
      );
    }
    await clearSigninFailures(d, email);
    if (!user.emailVerifiedAt) {
      // This browser knows the password: a link opened here keeps it.
      mailLinkLater(c, user, "verify-email", await signupBrowserHash(c));
      return SignInPage(
        c,
        { kind: "info", text: "Confirm your email address first: we have sent you a new confirmation link." },
        email,
        field(f, "next"),
      );
    }
    await audit(c, { actorId: user.id, actorType: "user", action: "auth.signin", after: { method: "password" } });
    return startSession(c, user.id, safeNext(field(f, "next")));
  })
  .get("/signup", (c) => SignUpPage(c, null, {}))
  .post("/signup", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const parsed = z
      .object({ email: emailField, password: passwordField, name: z.string().trim().max(100) })
      .safeParse({ email: field(f, "email"), password: field(f, "password"), name: field(f, "name") });
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      return SignUpPage(c, { kind: "bad", text: "Please correct the fields below." }, errors, field(f, "email"));
    }
    await rateLimit(c, "signup");
    const d = db(c.env.DB);
    // The password is stored, but works only once the address is verified, and only if the
    // verification link is opened in this browser (the cookie set here, for a taken address
    // too, so both answers stay the same); a link opened anywhere else drops it (proveMailbox).
    const browserHash = await signupBrowserHash(c);
    const created = await createUser(d, parsed.data);
    if (created) {
      await audit(c, {
        actorId: created.id,
        actorType: "user",
        action: "user.signed_up",
        targetType: "user",
        targetId: created.id,
      });
      mailLinkLater(c, created, "verify-email", browserHash);
    } else {
      // The address is taken: tell its owner, and show the visitor the same page as for a new one.
      const log = c.get("log");
      c.executionCtx.waitUntil(
        sendAccountMail(c.env, parsed.data.email, "already-registered", `${origin(c)}/auth/signin`, log).catch(
          (error: unknown) => log.error("account mail not sent", { kind: "already-registered", error }),
        ),
      );
    }
    return CheckEmailPage(c);
  })
  .get("/verify", (c) => ConfirmPage(c, "Confirm your email address", "/auth/verify", "Confirm and sign in"))
  .post("/verify", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const d = db(c.env.DB);
    const used = await consumeToken(d, field(f, "token"), "verify-email");
    if (!used) return c.redirect("/auth/signin?m=link-invalid", 303);
    const { user } = used;
    const keepPassword = await isSignupBrowser(c, used.token.browserHash);
    const { passwordRemoved } = await proveMailbox(d, user.id, { keepPassword });
    await audit(c, {
      actorId: user.id,
      actorType: "user",
      action: "auth.email_verified",
      targetType: "user",
      targetId: user.id,
      after: { passwordRemoved },
    });
    return startSession(c, user.id, afterProof(passwordRemoved));
  })
  .get("/magic", (c) => RequestLinkPage(c, "Email me a sign-in link", "/auth/magic", null))
  .post("/magic", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const email = field(f, "email").trim().toLowerCase();
    await rateLimit(c, "magic", email);
    const user = await findUserByEmail(db(c.env.DB), email);
    if (user && !user.disabledAt) mailLinkLater(c, user, "magic-link");
    return CheckEmailPage(c);
  })
  .get("/magic/confirm", (c) => ConfirmPage(c, "Sign in to StateX", "/auth/magic/confirm", "Sign in"))
  .post("/magic/confirm", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const d = db(c.env.DB);
    const used = await consumeToken(d, field(f, "token"), "magic-link");
    if (!used) return c.redirect("/auth/signin?m=link-invalid", 303);
    const { user } = used;
    // Receiving the link proves the address: an unverified account becomes this clicker's.
    const { passwordRemoved } = await proveMailbox(d, user.id, { keepPassword: false });
    await audit(c, {
      actorId: user.id,
      actorType: "user",
      action: "auth.signin",
      after: { method: "magic-link", passwordRemoved },
    });
    return startSession(c, user.id, afterProof(passwordRemoved));
  })
  .get("/reset", (c) => RequestLinkPage(c, "Reset your password", "/auth/reset", null))
  .post("/reset", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const email = field(f, "email").trim().toLowerCase();
    await rateLimit(c, "reset", email);
    const user = await findUserByEmail(db(c.env.DB), email);
    if (user && !user.disabledAt) mailLinkLater(c, user, "password-reset");
    return CheckEmailPage(c);
  })
  .get("/reset/confirm", (c) => NewPasswordPage(c, c.req.query("token") ?? "", null))
  .post("/reset/confirm", async (c) => {
    const f = await form(c);
    checkAnonCsrf(c, f);
    const password = passwordField.safeParse(field(f, "password"));
    if (!password.success) {
      return NewPasswordPage(c, field(f, "token"), password.error.issues[0]?.message ?? "Choose another password.");
    }
    const d = db(c.env.DB);
    const used = await consumeToken(d, field(f, "token"), "password-reset");
    if (!used) return c.redirect("/auth/signin?m=link-invalid", 303);
    const { user } = used;
    await resetPassword(d, user.id, password.data);
    await clearSigninFailures(d, user.email);
    await audit(c, {
      actorId: user.id,
      actorType: "user",
      action: "auth.password_reset",
      targetType: "user",
      targetId: user.id,
    });
    await notifyAccount(c.env, {
      event: "account.password_changed",
      userId: user.id,
      correlationId: c.get("requestId"),
      log: c.get("log"),
    });
    return c.redirect("/auth/signin?m=password-changed", 303);
  })
  .post("/signout", async (c) => {
    const found = await currentSession(c);
    if (found) {
      c.set("session", found.session);
      const f = await form(c);
      checkSessionCsrf(c, f);
      const d = db(c.env.DB);
      const everywhere = field(f, "everywhere") === "1";
      if (everywhere) await revokeAllSessions(d, found.user.id);
      else await revokeSession(d, found.session.id, found.user.id);
      await audit(c, {
        actorId: found.user.id,
        actorType: "user",
        action: everywhere ? "auth.signout_everywhere" : "auth.signout",
      });
    }
    clearSessionCookie(c);
    return c.redirect("/auth/signin?m=signed-out", 303);
  });
