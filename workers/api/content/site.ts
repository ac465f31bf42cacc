import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-env";
import { negotiate } from "./negotiate";

/** Paths the HTTP app answers itself; everything else is tried as a site file first. */
const APP_PATHS = [/^\/v1(\/|$)/, /^\/openapi\.json$/, /^\/docs$/, /^\/healthz$/];

const REVALIDATE = "public, max-age=0, must-revalidate";
const IMMUTABLE = "public, max-age=31536000, immutable";

function withHeaders(res: Response, headers: Record<string, string>): Response {
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}

/**
 * Serves the static site through the Worker so pages can be negotiated: a page URL asked for
 * with `Accept: text/markdown` gets its markdown twin (`<url>index.md`), otherwise the HTML,
 * both with `Vary: Accept` so caches keep them apart. HTML and twins revalidate with their
 * ETag (the asset server answers `If-None-Match` with 304); fingerprinted `/assets/*` are
 * immutable. Paths with no site file fall through to the app's routes and its 404.
 */
export const sitePages: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method;
  if ((method !== "GET" && method !== "HEAD") || APP_PATHS.some((re) => re.test(c.req.path))) return next();
  const path = c.req.path;
  const isPage = path.endsWith("/");
  const accept = c.req.header("accept");
  const wantsMarkdown = isPage && negotiate(accept, ["text/html", "text/markdown"] as const) === "text/markdown";

  if (wantsMarkdown) {
    const twinUrl = new URL(c.req.url);
    twinUrl.pathname = `${path}index.md`;
    const twin = await c.env.ASSETS.fetch(new Request(twinUrl, { method, headers: c.req.raw.headers }));
    if (twin.status === 200 || twin.status === 304) {
      return withHeaders(twin, {
        "Content-Type": "text/markdown; charset=utf-8",
        "Cache-Control": REVALIDATE,
        Vary: "Accept",
        Link: `<${path}>; rel="canonical"`,
      });
    }
    await twin.body?.cancel();
  }

  const res = await c.env.ASSETS.fetch(c.req.raw);
  if (res.status === 404) {
    await res.body?.cancel();
    return next();
  }
  if (path.startsWith("/assets/")) return withHeaders(res, { "Cache-Control": IMMUTABLE });
  const headers: Record<string, string> = { "Cache-Control": REVALIDATE };
  if (isPage) {
    headers.Vary = "Accept";
    if (res.status === 200) headers.Link = `<${path}index.md>; rel="alternate"; type="text/markdown"`;
  }
  if (path.endsWith(".md")) headers["Content-Type"] = "text/markdown; charset=utf-8";
  return withHeaders(res, headers);
};
