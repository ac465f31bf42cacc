/**
 * The parts every admin search's API shares: the free-text query fields (`q`, `sort`,
 * `cursor`), the reading of a cursor back into a filter, and the problems a search answers with.
 */
import { z } from "@hono/zod-openapi";
import { decodeCursor, SearchSyntaxError } from "../../shared/fts";
import { authProblems, problem } from "../api/openapi";

/** `q`, `sort` and `cursor`: the free-text part of an admin search's query string. */
export const searchQuery = {
  q: z.string().max(200).optional().openapi({
    description:
      "Free text (FTS5). Every word must match; a trailing `*` matches a prefix (`sign*`). Quotes and operators are matched as text. Diacritics are ignored.",
    example: "role_changed admin",
  }),
  sort: z
    .enum(["relevance", "newest"])
    .optional()
    .openapi({ description: "With `q`: best match first (default) or newest first. Without `q`: always newest." }),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "`nextCursor` of the previous page, unchanged. A cursor belongs to its query." }),
};

/** The filter's row-position part from an API cursor (400 bad-search if it is not ours). */
export function cursorFilter(token: string | undefined, key: "number"): { offset?: number; before?: number };
export function cursorFilter(token: string | undefined, key: "string"): { offset?: number; before?: string };
export function cursorFilter(
  token: string | undefined,
  key: "number" | "string",
): { offset?: number; before?: number | string } {
  if (!token) return {};
  const cursor = decodeCursor(token);
  if ("offset" in cursor) return { offset: cursor.offset };
  if (typeof cursor.before !== key) throw new SearchSyntaxError("The cursor is not one this API issued.");
  return { before: cursor.before };
}

/** The error answers of an admin search (after its 200). */
export const searchProblems = {
  400: problem("The search text has nothing to look for, or the cursor is not one this API issued."),
  ...authProblems("admin:read"),
  404: problem("Not an admin."),
  422: problem("A query parameter is invalid."),
};
