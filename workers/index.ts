/**
 * The Worker's entry: the HTTP app, and the adapters for queue batches (chosen by queue name),
 * inbound mail (`email/inbound.ts`) and cron triggers (`cron/dispatch.ts`), wrapped by Sentry
 * only when `SENTRY_DSN` is set; the Durable Object classes are exported from here too.
 */
import * as Sentry from "@sentry/cloudflare";
import { sentryOptions } from "../shared/sentry";
import { app } from "./app";
import { runScheduled } from "./cron/dispatch";
import { handleInboundEmail } from "./email/inbound";
import { consumeDeadJobs, consumeJobs } from "./queues/jobs";
import { consumeDeadNotifications, consumeNotifications } from "./queues/notifications";
import { consumeDeadWebhooks, consumeWebhooks } from "./queues/webhooks";

export { AuditChain } from "../durable-objects/audit-chain";
export { HttpMetrics } from "../durable-objects/http-metrics";
export { JobCoordinator } from "../durable-objects/job-coordinator";
export { RateLimiter } from "../durable-objects/rate-limiter";

/**
 * Queues are named per environment (`statex-jobs`, `statex-jobs-staging`, ...), so the
 * consumer is chosen by the name's stem. Dead-letter names are checked first.
 */
function consumerFor(queue: string) {
  if (queue.startsWith("statex-jobs-dlq")) return consumeDeadJobs;
  if (queue.startsWith("statex-jobs")) return consumeJobs;
  if (queue.startsWith("statex-notifications-dlq")) return consumeDeadNotifications;
  if (queue.startsWith("statex-notifications")) return consumeNotifications;
  if (queue.startsWith("statex-webhooks-dlq")) return consumeDeadWebhooks;
  if (queue.startsWith("statex-webhooks")) return consumeWebhooks;
  return null;
}

const handler = {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const consume = consumerFor(batch.queue);
    if (!consume) throw new Error(`no consumer for queue ${batch.queue}`);
    await consume(batch, env);
  },

  async email(message, env, _ctx) {
    await handleInboundEmail(message, env);
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
} satisfies ExportedHandler<Env, unknown>;

/**
 * Errors reach Sentry when `SENTRY_DSN` is set (see shared/sentry.ts); the HTTP app reports
 * its own 5xx from `onError`, since it turns every exception into a response.
 */
// A copy: withSentry replaces the methods of the object it is given.
const reported = Sentry.withSentry((env: Env) => sentryOptions(env), { ...handler });

/**
 * Without `SENTRY_DSN`, the plain handler: Sentry's wrapper otherwise still builds scopes,
 * spans and proxies of `env`/`ctx` on every invocation — about a third of the CPU time of a
 * short request (`BENCH_PROFILE=unauthenticated npm run bench`) — to report nothing.
 */
const chosen = (env: Env) => (env.SENTRY_DSN ? reported : handler);

export default {
  fetch: (request, env, ctx) => chosen(env).fetch(request, env, ctx),
  queue: (batch, env, ctx) => chosen(env).queue(batch, env, ctx),
  email: (message, env, ctx) => chosen(env).email(message, env, ctx),
  scheduled: (controller, env, ctx) => chosen(env).scheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, unknown>;
