/**
 * A typed client for TypeScript users of the API, from the routers' own types (`hono/client`):
 *
 * ```ts
 * import { statexClient } from "statex-edge/workers/client";
 * const api = statexClient("https://statex.example", "sx_…");
 * const res = await api.submissions.index.$post({ header: {}, json: { text: "Summarise this." } });
 * if (res.status !== 202) throw new Error(`StateX answered ${res.status}`); // narrows the body type
 * const { id } = await res.json();
 * const got = await api.submissions[":id"].$get({ param: { id } });
 * ```
 */
import { hc } from "hono/client";
import type { SubmissionsApi, WebhooksApi } from "./app";

/** The API at `baseUrl` with the key `apiKey`: `submissions` and `webhooks`, each typed by its router. */
export function statexClient(baseUrl: string, apiKey: string, options: { fetch?: typeof fetch } = {}) {
  const base = baseUrl.replace(/\/+$/, "");
  const init = { headers: { authorization: `Bearer ${apiKey}` }, fetch: options.fetch };
  return {
    submissions: hc<SubmissionsApi>(`${base}/v1/submissions`, init),
    webhooks: hc<WebhooksApi>(`${base}/v1/webhooks`, init),
  };
}
