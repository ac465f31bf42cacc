/**
 * The controls of a request's page: cancel, retry and (for an admin) the review decision, each
 * through the submissions service, and the reply box (a customer message), each answered with
 * a redirect whose `?m=` code tells the outcome.
 */
import type { Context } from "hono";
import { postCustomerMessage } from "../../../shared/desk/customer";
import { MAX_CLIENT_KEY_CHARS, MessageRefused } from "../../../shared/desk/messages";
import { HttpProblem } from "../../../shared/http/problem";
import { controlSubmission } from "../../api/submissions/service";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { formOf, str } from "../kit";
import { ownRequest } from "./area";

/**
 * `POST /app/requests/:id/cancel` and `/retry`: back to the request's page, or to the admin
 * page with `?from=admin`.
 */
export async function controlRequest(c: Context<AppEnv, "/requests/:id/:action{cancel|retry}">) {
  await formOf(c);
  const id = c.req.param("id");
  const action = c.req.param("action") as "cancel" | "retry";
  await ownRequest(c, id);
  const result = await controlSubmission(c.env, id, action, (entry) => audit(c, entry));
  const m =
    result.outcome === "ok"
      ? action === "cancel"
        ? "cancelled"
        : "retried"
      : `not-${action === "cancel" ? "cancellable" : "retryable"}`;
  const back = c.req.query("from") === "admin" ? "/app/admin" : `/app/requests/${id}`;
  return c.redirect(`${back}?m=${m}`, 303);
}

/** `POST /app/requests/:id/review` (admins): approve or reject a result waiting for review. */
export async function reviewRequest(c: Context<AppEnv, "/requests/:id/review">) {
  const body = await formOf(c);
  const id = c.req.param("id");
  const decision = str(body.decision);
  if (decision !== "approve" && decision !== "reject") {
    throw new HttpProblem(400, "bad-request", "Bad Request", "The decision must be approve or reject.");
  }
  await ownRequest(c, id);
  const result = await controlSubmission(c.env, id, decision, (entry) => audit(c, entry));
  const m = result.outcome === "ok" ? (decision === "approve" ? "approved" : "rejected") : "not-reviewable";
  return c.redirect(`/app/requests/${id}?m=${m}`, 303);
}

/**
 * `POST /app/requests/:id/messages`: the owner's message in the request's thread, keyed by the
 * form's one-time `clientKey`, so a double click writes (and tells staff) once. Only the owner
 * writes here: staff answer from the desk.
 */
export async function postRequestMessage(c: Context<AppEnv, "/requests/:id/messages">) {
  const body = await formOf(c);
  const id = c.req.param("id");
  const { submission } = await ownRequest(c, id);
  const user = c.get("user");
  if (submission.userId !== user.id) {
    throw new HttpProblem(404, "not-found", "Request not found", "You have no request with that id.");
  }
  const clientKey = str(body.clientKey).trim();
  if (!clientKey || clientKey.length > MAX_CLIENT_KEY_CHARS) {
    throw new HttpProblem(400, "bad-request", "Bad Request", "The form is missing its key; reload the page.");
  }
  try {
    await postCustomerMessage(
      c.env,
      {
        submissionId: id,
        authorId: user.id,
        channel: "portal",
        body: str(body.body),
        clientKey: `portal:${clientKey}`,
        correlationId: c.get("requestId"),
      },
      c.get("log"),
    );
  } catch (error) {
    if (error instanceof MessageRefused) return c.redirect(`/app/requests/${id}?m=message-refused`, 303);
    throw error;
  }
  return c.redirect(`/app/requests/${id}?m=message-sent`, 303);
}
