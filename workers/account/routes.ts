/**
 * `/v1/account` over HTTP: the caller's own account — delete it, download all its data — for an
 * API key with the `account:manage` scope. What the portal's profile does too is in `service.ts`.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { HttpProblem } from "../../shared/http/problem";
import { authProblems, problem } from "../api/openapi";
import { validationHook } from "../api/validation";
import type { AppEnv } from "../app-env";
import { audit } from "../audit";
import { requireApi } from "../auth/middleware";
import { deleteConfirmedAccount, exportAccount } from "./service";

/** `/v1/account`: the caller's own account. */
export const accountRouter = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
  .openapi(
    createRoute({
      method: "post",
      path: "/delete",
      summary: "Delete your account and all its data",
      description:
        "Irreversible. Removes the account, its sessions and keys, every submission with its files and results, notifications and webhooks. Send your address as `confirm`. Needs the `account:manage` scope.",
      tags: ["Account"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("account:manage")] as const,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: z
                .object({ confirm: z.string().openapi({ description: "Your account's email address." }) })
                .strict()
                .openapi("DeleteAccount"),
            },
          },
        },
      },
      responses: {
        204: { description: "Deleted." },
        400: problem("Malformed JSON."),
        ...authProblems("account:manage"),
        422: problem("`confirm` is not the account's address."),
      },
    }),
    async (c) => {
      const user = c.get("user");
      const deleted = await deleteConfirmedAccount(c.env, user, c.req.valid("json").confirm, c.get("log"), (entry) =>
        audit(c, entry),
      );
      if (!deleted) {
        throw new HttpProblem(
          422,
          "validation",
          "Validation Failed",
          "/confirm: must be your account's email address",
          {
            errors: [{ pointer: "/confirm", detail: "must be your account's email address" }],
          },
        );
      }
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/export",
      summary: "Download all your data",
      description:
        "A ZIP archive of everything StateX holds about you: profile, sessions, API keys (without the keys), every submission with its input and result, notifications and webhooks (without secrets). Needs the `account:manage` scope.",
      tags: ["Account"],
      security: [{ bearerAuth: [] }],
      middleware: [requireApi("account:manage")] as const,
      responses: {
        200: {
          description: "The archive.",
          content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
        },
        ...authProblems("account:manage"),
      },
    }),
    async (c) => {
      return exportAccount(c.env, c.get("user").id, (entry) => audit(c, entry));
    },
  );
