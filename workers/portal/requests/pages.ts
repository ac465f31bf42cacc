/**
 * The portal's requests area, mounted at `/app` by the portal router: the list, the new-request
 * form and its intake, a request's page, and its controls.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { requireAdmin } from "../session";
import { controlRequest, postRequestMessage, reviewRequest } from "./actions";
import { listRequests } from "./list";
import { createRequest, newRequestForm } from "./new";
import { requestPage } from "./request";

/** `/app`, `/app/requests/*`: the signed-in user's requests. */
export const requestPages = new Hono<AppEnv>()
  .get("/", listRequests)
  .get("/requests/new", newRequestForm)
  .post("/requests", createRequest)
  .get("/requests/:id", requestPage)
  .post("/requests/:id/:action{cancel|retry}", controlRequest)
  .post("/requests/:id/messages", postRequestMessage)
  .post("/requests/:id/review", requireAdmin, reviewRequest);
