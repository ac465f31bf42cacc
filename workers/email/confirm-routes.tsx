/**
 * `/email/confirm/<token>`: the sender of a request by email confirms it. GET only shows what
 * will happen (mail scanners fetch links; a GET must change nothing); POST confirms. The signed
 * token is the proof (`shared/mail/confirm.ts`): only the mailbox that received our
 * acknowledgement holds it. Confirming creates a passwordless account for an unknown address
 * (signed in later by magic link) and starts the request with everything the conversation said
 * so far.
 */
import { type Context, Hono } from "hono";
import { db } from "../../shared/db/client";
import type { InboundEmailRow, UserRow } from "../../shared/db/schema";
import {
  appendedTo,
  claimConfirmation,
  inboundById,
  readConfirmation,
  refuseConfirmation,
  releaseConfirmation,
  startConfirmed,
} from "../../shared/mail/confirm";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { proveMailbox } from "../auth/mailbox";
import { createUser, findUserByEmail } from "../auth/service";
import { Layout } from "../portal/layout";

type Page = { status: 200 | 400 | 404 | 410; title: string; body: string; link?: { href: string; text: string } };

function render(c: Context<AppEnv>, page: Page, form?: { action: string; summary: string[] }) {
  return c.html(
    <Layout title={page.title}>
      <div class="card narrow">
        <h1>{page.title}</h1>
        <p>{page.body}</p>
        {form ? (
          <>
            <ul>
              {form.summary.map((line) => (
                <li>{line}</li>
              ))}
            </ul>
            <form method="post" action={form.action}>
              <button type="submit">Confirm and start my request</button>
            </form>
          </>
        ) : null}
        {page.link ? (
          <p>
            <a href={page.link.href}>{page.link.text}</a>
          </p>
        ) : null}
      </div>
    </Layout>,
    page.status,
  );
}

const INVALID: Page = {
  status: 400,
  title: "This link is not valid",
  body: "The confirmation link is incomplete or was changed. Open it from the email we sent you.",
};
const EXPIRED: Page = {
  status: 410,
  title: "This link has expired",
  body: "Confirmation links work for 7 days. Send your request again and confirm the new message.",
};
const GONE: Page = {
  status: 404,
  title: "Nothing to confirm",
  body: "This request is no longer waiting for confirmation.",
};

const requestLink = (c: Context<AppEnv>, id: string) => ({
  href: `${c.env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/app/requests/${id}`,
  text: `Follow request ${id} in the portal`,
});

async function load(c: Context<AppEnv>, token: string): Promise<InboundEmailRow | Page> {
  const confirmation = await readConfirmation(c.env, token);
  if (confirmation.status === "ok") return confirmation.row;
  return { invalid: INVALID, expired: EXPIRED, gone: GONE }[confirmation.status];
}

/**
 * The account a confirmed request belongs to: the address's own, or a new passwordless one.
 * Confirming proves the mailbox, so an unverified account (which anyone could have signed up
 * with this address) becomes the confirmer's: its password, sessions and API keys are dropped
 * as it is verified. The confirmer is not signed in here: this POST carries no CSRF token, and
 * signing in on it would let another site sign a visitor in to the site's chosen account.
 */
async function accountFor(
  c: Context<AppEnv>,
  email: string,
): Promise<{ user: UserRow | null; passwordRemoved: boolean }> {
  const d = db(c.env.DB);
  const user = (await findUserByEmail(d, email)) ?? (await createUser(d, { email, verified: true })) ?? null;
  const found = user ?? (await findUserByEmail(d, email));
  if (!found || found.emailVerifiedAt) return { user: found, passwordRemoved: false };
  const { passwordRemoved } = await proveMailbox(d, found.id, { keepPassword: false });
  return { user: await findUserByEmail(d, email), passwordRemoved };
}

const PASSWORD_REMOVED =
  " This address had a StateX account that was never confirmed, so anyone could have created it: we removed its password, signed out its sessions and revoked its API keys. Sign in with a link sent to this address and set a new password under Profile.";

export const emailRoutes = new Hono<AppEnv>()
  .get("/confirm/:token", async (c) => {
    const row = await load(c, c.req.param("token"));
    if ("title" in row) return render(c, row);
    if (row.status === "accepted" && row.submissionId) {
      return render(c, {
        status: 200,
        title: "Already confirmed",
        body: "This request is confirmed and on its way.",
        link: requestLink(c, row.submissionId),
      });
    }
    if (row.status !== "pending") return render(c, GONE);
    const added = await appendedTo(c.env, row.id);
    const account = await findUserByEmail(db(c.env.DB), row.sender);
    return render(
      c,
      {
        status: 200,
        title: "Confirm your request",
        body: `You are confirming a request sent by email from ${row.sender}.`,
      },
      {
        action: c.req.path,
        summary: [
          `Subject: ${row.subject || "(none)"}`,
          ...(added.length ? [`With ${added.length} later message(s) you added.`] : []),
          !account
            ? "A StateX account will be created for this address; sign in later with a link sent there."
            : account.emailVerifiedAt
              ? "It will belong to your StateX account."
              : "This address has a StateX account that was never confirmed: confirming makes it yours, and removes the password, sessions and API keys it was given before.",
          "The result will be emailed to you in the same thread.",
        ],
      },
    );
  })
  .post("/confirm/:token", async (c) => {
    const row = await load(c, c.req.param("token"));
    if ("title" in row) return render(c, row);
    if (!(await claimConfirmation(c.env, row.id, Date.now()))) {
      const current = await inboundById(c.env, row.id);
      if (current?.status === "accepted" && current.submissionId) {
        return render(c, {
          status: 200,
          title: "Already confirmed",
          body: "This request is confirmed and on its way.",
          link: requestLink(c, current.submissionId),
        });
      }
      return render(c, GONE);
    }
    try {
      const { user, passwordRemoved } = await accountFor(c, row.sender);
      if (!user || user.disabledAt) {
        await refuseConfirmation(c.env, row.id, "account disabled");
        return render(c, {
          status: 410,
          title: "Account not active",
          body: "The StateX account of this address is disabled.",
        });
      }
      const submissionId = await startConfirmed(c.env, row, user, c.get("log"));
      c.set("user", user);
      await audit(c, {
        action: "submission.created",
        targetType: "submission",
        targetId: submissionId,
        after: { source: "email", inboundId: row.id },
      });
      c.get("log").info("request by email confirmed", { inboundId: row.id, submissionId });
      return render(c, {
        status: 200,
        title: "Request confirmed",
        body: `Thank you. We are working on your request; the result will arrive by email at ${row.sender}, in the same thread.${passwordRemoved ? PASSWORD_REMOVED : ""}`,
        link: requestLink(c, submissionId),
      });
    } catch (error) {
      // Not accepted after all: let the sender try the link again.
      await releaseConfirmation(c.env, row.id);
      throw error;
    }
  });
