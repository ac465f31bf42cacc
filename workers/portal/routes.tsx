/**
 * The `/app` portal router, mounted by the app: the portal's stylesheet and script, then
 * sign-in for everything else (pages are never cached), and the areas over the page kit —
 * notifications, requests, profile, the admin pages and the staff desk.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { adminPages } from "./admin";
import { adminHomePages } from "./admin/home";
import { ASSET_VERSION, PORTAL_CSS, PORTAL_JS } from "./assets";
import { deskAssets, deskPages } from "./desk";
import { notificationPages } from "./notifications";
import { profilePages } from "./profile/pages";
import { requestPages } from "./requests/pages";
import { requireSession } from "./session";

/** `/app/*`: the signed-in portal. */
export const portalRoutes = new Hono<AppEnv>()
  .get(`/assets/portal.${ASSET_VERSION}.css`, (c) =>
    c.body(PORTAL_CSS, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  )
  .get(`/assets/portal.${ASSET_VERSION}.js`, (c) =>
    c.body(PORTAL_JS, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=31536000, immutable",
    }),
  )
  .route("/desk", deskAssets)
  .use(requireSession)
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .route("/", notificationPages)
  .route("/", requestPages)
  .route("/", profilePages)
  .route("/admin", adminHomePages)
  .route("/admin", adminPages)
  .route("/desk", deskPages);
