/**
 * The admin area's page: the kit's page with the way back to the admin overview above the body.
 * Its pages show their own messages inline, so no `?m=` code has a flash here.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../../app-env";
import { pageFor } from "../kit";

const page = pageFor({});

/** An admin page: `body` under a link back to `/app/admin`, with `current` marked in the nav. */
export function adminPage(c: Context<AppEnv>, title: string, current: string, body: Child, status = 200) {
  return page(
    c,
    title,
    current,
    <>
      <p>
        <a href="/app/admin">← Admin</a>
      </p>
      {body}
    </>,
    null,
    status,
  );
}
