import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { db } from "../../shared/db/client";
import type { TokenPurpose, UserRow } from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { notifyAccount } from "../../shared/notifications/account";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { clearSigninFailures, recordSigninFailure, signinLockRemaining } from "../auth/backoff";
import { consumeToken, issueToken, proveMailbox, resetPassword } from "../auth/mailbox";
import {
  authenticate,
  createSession,
  createUser,
  findUserByEmail,
  MIN_PASSWORD_LENGTH,
  revokeAllSessions,
  revokeSession,
} from "../auth/service";
import { type AccountMailKind, sendAccountMail } from "./emails";
import { type Flash, Layout } from "./layout";
import {
  anonCsrf,
  checkAnonCsrf,
  checkSessionCsrf,
  clearSessionCookie,
  currentSession,
  isSignupBrowser,
  setSessionCookie,
  signupBrowserHash,
} from "./session";

const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "Enter a valid email address." }));
const passwordField = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { error: `Use at least ${MIN_PASSWORD_LENGTH} characters.` })
  .max(200, { error: "Use at most 200 characters." });

/** One generic answer for every "send me a link" form, so it never reveals an account. */
const CHECK_EMAIL: Flash = {
  kind: "info",
  text: "If that address can receive StateX mail, a message with a link is on its way. Check your inbox.",
};

const origin = (c: Context<AppEnv>) => new URL(c.req.url).origin;
const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "local";

/** Only same-site portal paths are followed after sign-in (no open redirect). */
function safeNext(next: unknown): string {
  return typeof next === "string" && /^\/app(\/[A-Za-z0-9/_-]*)?$/.test(next) ? next : "/app";
}

/**
 * Rate limits sign-in, sign-up, link and reset requests per client IP and per address, with
 * the Workers rate-limiting binding (real under `wrangler dev` and in tests).
 */
async function rateLimit(c: Context<AppEnv>, action: string, email?: string): Promise<void> {
  const keys = [`${action}:ip:${clientIp(c)}`, ...(email ? [`${action}:email:${email}`] : [])];
  for (const key of keys) {
    const { success } = await c.env.AUTH_LIMITER.limit({ key });
    if (!success) {
      throw new HttpProblem(
        429,
        "rate-limited",
        "Too Many Requests",
        "Too many attempts. Wait a minute and try again.",
        {
          headers: { "Retry-After": "60" },
        },
      );
    }
  }
}

async function form(c: Context<AppEnv>): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch {
    throw new HttpProblem(400, "bad-request", "Bad Request", "Send the form as a normal HTML form post.");
  }
}

const field = (f: FormData, name: string) => {
  const v = f.get(name);
  return typeof v === "string" ? v : "";
};

function Field(props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  autocomplete?: string;
  hint?: string;
  error?: string;
}) {
  const id = `f-${props.name}`;
  return (
    <div>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        autocomplete={props.autocomplete}
        required
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.hint || props.error ? `${id}-hint` : undefined}
      />
      {props.hint || props.error ? (
        <p class="hint" id={`${id}-hint`}>
          {props.error ?? props.hint}
        </p>
      ) : null}
    </div>
  );
}

function AuthPage(props: {
  c: Context<AppEnv>;
  title: string;
  flash?: Flash | null;
  status?: 200 | 400 | 429;
  children?: unknown;
}) {
  return props.c.html(
    <Layout title={props.title} flash={props.flash}>
      <div class="card narrow">
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </Layout>,
    props.status ?? (props.flash?.kind === "bad" ? 400 : 200),
  );
}

const LINK_PATHS: Record<TokenPurpose, { kind: AccountMailKind; path: string }> = {
  "verify-email": { kind: "verify", path: "/auth/verify" },
  "magic-link": { kind: "magic", path: "/auth/magic/confirm" },
  "password-reset": { kind: "reset", path: "/auth/reset/confirm" },
};

/**
 * Issues an emailed link and sends it after the answer (in `waitUntil`): the answer to a
 * "send me a link" form then costs the same for an address with an account and one without,
 * and a slow or failing mail provider shows in neither.
 */
function mailLinkLater(c: Context<AppEnv>, user: UserRow, purpose: TokenPurpose, browserHash?: string): void {
  const d = db(c.env.DB);
  const { kind, path } = LINK_PATHS[purpose];
  const log = c.get("log");
  const base = origin(c);
  c.executionCtx.waitUntil(
    (async () => {
      const token = await issueToken(d, user.id, purpose, { browserHash });
      await sendAccountMail(c.env, user.email, kind, `${base}${path}?token=${token}`, log);
    })().catch((error: unknown) => log.error("account mail not sent", { kind, error })),
  );
}

/** Where the clicker of a mailbox proof goes: to set a password when the old one was dropped. */
const afterProof = (passwordRemoved: boolean) => (passwordRemoved ? "/app/profile?m=password-removed" : "/app");

const messages: Record<string, Flash> = {
  "signed-out": { kind: "ok", text: "You are signed out." },
  "signed-out-everywhere": { kind: "ok", text: "You are signed out on every device." },
  "password-changed": {
    kind: "ok",
    text: "Your password is changed. Every session is signed out and your API keys are revoked. Sign in with the new password.",
  },
  "account-deleted": { kind: "ok", text: "Your account and all its data are deleted." },
  "link-invalid": { kind: "bad", text: "That link is invalid, used or expired. Ask for a new one." },
};

/** `/auth/*`: sign-up, email verification, sign-in (password or magic link), reset, sign-out. */
export const authRoutes = new Hono<AppEnv>()
  .get("/signin", async (c) => {
    if (await currentSession(c)) return c.redirect(safeNext(c.req.query("next")), 303);
    return SignInPage(c, messages[c.req.query("m") ?? ""] ?? null, "", c.req.query("next"));
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
    return AuthPage({ c, title: "Check your email", flash: CHECK_EMAIL, children: <CheckEmail /> });
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
    return AuthPage({ c, title: "Check your email", flash: CHECK_EMAIL, children: <CheckEmail /> });
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
    return AuthPage({ c, title: "Check your email", flash: CHECK_EMAIL, children: <CheckEmail /> });
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

/** Signs `userId` in and redirects to `location` (a portal path the caller chose or checked). */
async function startSession(c: Context<AppEnv>, userId: string, location: string) {
  const { token } = await createSession(db(c.env.DB), userId, {
    userAgent: c.req.header("user-agent"),
    ip: c.req.header("cf-connecting-ip") ?? null,
  });
  setSessionCookie(c, token);
  return c.redirect(location, 303);
}

function CheckEmail() {
  return (
    <p>
      The link in the message works once and expires. Nothing arrived? Check the spam folder, or{" "}
      <a href="/auth/signin">go back to sign-in</a>.
    </p>
  );
}

function SignInPage(c: Context<AppEnv>, flash: Flash | null, email: string, next?: string, status?: 429) {
  const csrf = anonCsrf(c);
  return AuthPage({
    c,
    title: "Sign in",
    flash,
    status,
    children: (
      <>
        <form method="post" action="/auth/signin">
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="next" value={safeNext(next)} />
          <Field name="email" label="Email" type="email" value={email} autocomplete="email" />
          <Field name="password" label="Password" type="password" autocomplete="current-password" />
          <div class="actions">
            <button type="submit">Sign in</button>
            <a href="/auth/reset">Forgot your password?</a>
          </div>
        </form>
        <p class="hint">
          Or <a href="/auth/magic">email me a sign-in link</a>. New here? <a href="/auth/signup">Create an account</a>.
        </p>
      </>
    ),
  });
}

function SignUpPage(c: Context<AppEnv>, flash: Flash | null, errors: Record<string, string>, email = "") {
  const csrf = anonCsrf(c);
  return AuthPage({
    c,
    title: "Create your account",
    flash,
    children: (
      <>
        <form method="post" action="/auth/signup">
          <input type="hidden" name="_csrf" value={csrf} />
          <Field name="name" label="Name" autocomplete="name" error={errors.name} />
          <Field name="email" label="Email" type="email" value={email} autocomplete="email" error={errors.email} />
          <Field
            name="password"
            label="Password"
            type="password"
            autocomplete="new-password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            error={errors.password}
          />
          <div class="actions">
            <button type="submit">Create account</button>
          </div>
        </form>
        <p class="hint">
          Already registered? <a href="/auth/signin">Sign in</a>.
        </p>
      </>
    ),
  });
}

function RequestLinkPage(c: Context<AppEnv>, title: string, action: string, flash: Flash | null) {
  const csrf = anonCsrf(c);
  return AuthPage({
    c,
    title,
    flash,
    children: (
      <form method="post" action={action}>
        <input type="hidden" name="_csrf" value={csrf} />
        <Field name="email" label="Email" type="email" autocomplete="email" />
        <div class="actions">
          <button type="submit">Send the link</button>
          <a href="/auth/signin">Back to sign-in</a>
        </div>
      </form>
    ),
  });
}

/**
 * Links in mail open a page with a button rather than acting on GET: mail scanners that
 * prefetch links would otherwise use up single-use tokens.
 */
function ConfirmPage(c: Context<AppEnv>, title: string, action: string, button: string) {
  const csrf = anonCsrf(c);
  return AuthPage({
    c,
    title,
    children: (
      <form method="post" action={action}>
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="token" value={c.req.query("token") ?? ""} />
        <div class="actions">
          <button type="submit">{button}</button>
        </div>
      </form>
    ),
  });
}

function NewPasswordPage(c: Context<AppEnv>, token: string, error: string | null) {
  const csrf = anonCsrf(c);
  return AuthPage({
    c,
    title: "Choose a new password",
    flash: error ? { kind: "bad", text: error } : null,
    children: (
      <form method="post" action="/auth/reset/confirm">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="token" value={token} />
        <Field
          name="password"
          label="New password"
          type="password"
          autocomplete="new-password"
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        />
        <p class="hint">
          Saving a new password signs you out on every device and revokes every API key of the account: whoever may know
          the old password loses what they made with it. Create new keys under Profile afterwards.
        </p>
        <div class="actions">
          <button type="submit">Save the password</button>
        </div>
      </form>
    ),
  });
}
