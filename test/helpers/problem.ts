/**
 * The API's error answers, checked the same way by every test: RFC 9457 problem details
 * (shared/http/problem.ts) as a client receives them, with the status, the media type, the
 * problem type, a title, and the request id that ties the answer to the logs.
 */
import { expect } from "vitest";

/** A problem body as the API sends it. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: { pointer: string; detail: string }[];
}

/**
 * Asserts that `res` is the problem `type` with `status`: the status code, the
 * `application/problem+json` content type, `type` and `status` in the body, a title, and a
 * `requestId` equal to the `X-Request-Id` header. With `instance`, the body's instance (the
 * request path) too. Returns the body for the test's own checks.
 */
export async function expectProblem(
  res: Response,
  status: number,
  type: string,
  options: { instance?: string } = {},
): Promise<ProblemBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = await res.json<ProblemBody>();
  expect(body).toMatchObject({
    type,
    status,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
  });
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}
