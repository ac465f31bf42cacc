import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import { type FieldError, HttpProblem } from "../../shared/http/problem";
import type { AppEnv } from "../app-env";

/** JSON Pointer (RFC 6901) of a zod issue path. */
function pointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("") || "/";
}

/** The value at `path` inside `data`, or undefined where the path leads nowhere. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * One entry per invalid field. `data` is the value that was validated: a field absent from it
 * is reported as required rather than as the wrong type.
 */
export function fieldErrors(error: z.ZodError, data?: unknown): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), detail: `unknown field ${key}` }));
    }
    const missing = issue.code === "invalid_type" && issue.path.length > 0 && valueAt(data, issue.path) === undefined;
    return [
      { pointer: pointer(issue.path), detail: missing ? `${String(issue.path.at(-1))} is required` : issue.message },
    ];
  });
}

/**
 * The one zod `defaultHook` of every OpenAPI router: a failed validation becomes a 422
 * problem with one entry per invalid field.
 */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = async (result, c) => {
  if (result.success) return;
  // zod's failed result spreads `data: undefined` over the validated value, so read the
  // JSON body again (Hono caches it) to tell a missing field from a mistyped one.
  const data = "target" in result && result.target === "json" ? await c.req.json().catch(() => undefined) : undefined;
  const errors = fieldErrors(result.error, data);
  throw new HttpProblem(
    422,
    "validation",
    "Validation Failed",
    errors.length === 1 ? `${errors[0]?.pointer}: ${errors[0]?.detail}` : `${errors.length} fields are invalid.`,
    { errors },
  );
};
