import type { Scope } from "../../shared/db/schema";
import { ProblemSchema } from "./submissions/schemas";

/** An error response in an OpenAPI route: RFC 9457 problem+json. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** The 401 and 403 every authenticated route answers. */
export const authProblems = (scope: Scope) => ({
  401: problem("No valid API key."),
  403: problem(`The key lacks the \`${scope}\` scope.`),
});
