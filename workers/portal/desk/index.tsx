/**
 * The staff desk (`/app/desk/*`), mounted by the portal router: its assets (before sign-in,
 * cached like the portal's), then one `requireStaff` over every other path, matched or not —
 * the inbox, its live events, saved replies, and a request's page with its forms.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { assignAction, draftAction, noteAction, replyAction, statusAction } from "./actions";
import { requireStaff } from "./area";
import { DESK_ASSET_VERSION, DESK_CSS, DESK_JS } from "./assets";
import { inboxEvents } from "./events";
import { inbox } from "./inbox";
import { savedReplyPages } from "./replies";
import { deskRequestPage } from "./request";

const immutable = "public, max-age=31536000, immutable";

/** `/app/desk/assets/*`: the desk's stylesheet and script. */
export const deskAssets = new Hono<AppEnv>()
  .get(`/assets/desk.${DESK_ASSET_VERSION}.css`, (c) =>
    c.body(DESK_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": immutable }),
  )
  .get(`/assets/desk.${DESK_ASSET_VERSION}.js`, (c) =>
    c.body(DESK_JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": immutable }),
  );

/** `/app/desk/*`: staff and admins only. */
export const deskPages = new Hono<AppEnv>()
  .use(requireStaff)
  .get("/", inbox)
  .get("/events", inboxEvents)
  .route("/", savedReplyPages)
  .get("/:id", (c) => deskRequestPage(c, c.req.param("id")))
  .post("/:id/reply", replyAction)
  .post("/:id/note", noteAction)
  .post("/:id/assign", assignAction)
  .post("/:id/status", statusAction)
  .post("/:id/draft", draftAction);
