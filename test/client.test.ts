import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { statexClient } from "../workers/client";
import { apiKeyFor, BASE, waitForStatus } from "./helpers/api";

describe("the typed client (hono/client)", () => {
  it("submits, reads and lists with types taken from the routes", async () => {
    const api = statexClient(BASE, await apiKeyFor("typed@example.com"), {
      fetch: (input, init) => exports.default.fetch(input, init),
    });
    const created = await api.submissions.index.$post({
      header: { "idempotency-key": "typed-1" },
      json: { text: "Typed all the way. Please summarise." },
    });
    // Responses are typed per status: narrowing on it gives the body's exact type.
    if (created.status !== 202) throw new Error(`POST answered ${created.status}`);
    const { id } = await created.json();
    await waitForStatus(id, ["completed"]);
    const read = await api.submissions[":id"].$get({ param: { id } });
    if (read.status !== 200) throw new Error(`GET answered ${read.status}`);
    expect((await read.json()).status).toBe("completed");
    const list = await api.submissions.index.$get({ query: { limit: "5" } });
    if (list.status !== 200) throw new Error(`list answered ${list.status}`);
    expect((await list.json()).items.map((s) => s.id)).toContain(id);
    const hooks = await api.webhooks.index.$get();
    if (hooks.status !== 200) throw new Error(`webhooks answered ${hooks.status}`);
    expect((await hooks.json()).items).toEqual([]);
    const missing = await api.submissions[":id"].$get({ param: { id: "sub_01JF0000000000000000000000" } });
    expect(missing.status).toBe(404);
  });
});
