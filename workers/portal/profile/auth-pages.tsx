/**
 * The pages of `/auth`: sign-in, sign-up, "send me a link" (magic link, reset), the confirm
 * button an emailed link opens, the new-password form, and "check your email" — each a card in
 * the layout with its form and the pre-sign-in CSRF token.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { MIN_PASSWORD_LENGTH } from "../../auth/service";
import { type Flash, Layout } from "../layout";
import { anonCsrf } from "../session";
import { safeNext } from "./auth-flow";

/** One generic answer for every "send me a link" form, so it never reveals an account. */
const CHECK_EMAIL: Flash = {
  kind: "info",
  text: "If that address can receive StateX mail, a message with a link is on its way. Check your inbox.",
};

/** The sign-in page's messages, by the `?m=` code of the redirects that lead to it. */
export const signInMessages: Record<string, Flash> = {
  "signed-out": { kind: "ok", text: "You are signed out." },
  "signed-out-everywhere": { kind: "ok", text: "You are signed out on every device." },
  "password-changed": {
    kind: "ok",
    text: "Your password is changed. Every session is signed out and your API keys are revoked. Sign in with the new password.",
  },
  "account-deleted": { kind: "ok", text: "Your account and all its data are deleted." },
  "link-invalid": { kind: "bad", text: "That link is invalid, used or expired. Ask for a new one." },
};

/** A required form field with its label and hint (or error). */
export function Field(props: {
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

/** An `/auth` page: one card in the layout. */
export function AuthPage(props: {
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

/** The answer to every "send me a link" form, whether or not the address has an account. */
export function CheckEmailPage(c: Context<AppEnv>) {
  return AuthPage({ c, title: "Check your email", flash: CHECK_EMAIL, children: <CheckEmail /> });
}

function CheckEmail() {
  return (
    <p>
      The link in the message works once and expires. Nothing arrived? Check the spam folder, or{" "}
      <a href="/auth/signin">go back to sign-in</a>.
    </p>
  );
}

export function SignInPage(c: Context<AppEnv>, flash: Flash | null, email: string, next?: string, status?: 429) {
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

export function SignUpPage(c: Context<AppEnv>, flash: Flash | null, errors: Record<string, string>, email = "") {
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

export function RequestLinkPage(c: Context<AppEnv>, title: string, action: string, flash: Flash | null) {
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
export function ConfirmPage(c: Context<AppEnv>, title: string, action: string, button: string) {
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

export function NewPasswordPage(c: Context<AppEnv>, token: string, error: string | null) {
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
