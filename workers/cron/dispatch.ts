/**
 * The `scheduled()` adapter: which job each cron expression runs. The jobs themselves live with
 * their domains (re-drive, alert rules, backup, retention, inbound mail, idempotency keys, the
 * audit head, the daily digest); this module only maps the expression that fired to them.
 */
import { writeAuditHead } from "../../shared/audit-head";
import { db } from "../../shared/db/client";
import { createLogger } from "../../shared/log";
import { sweepInbound } from "../../shared/mail/cleanup";
import { sweepIdempotencyKeys } from "../api/idempotency";
import { runBackup } from "../backups/job";
import { sweepExpired } from "../retention/sweep";
import { redriveStalled } from "./redrive";

/**
 * Every cron trigger and the job it runs. wrangler.toml lists the same expressions under
 * `[triggers]` in every environment (a node test checks they agree): Cloudflare tells the
 * handler which expression fired, and that is all it tells.
 */
export const CRONS = {
  /** Re-drive accepted submissions that never reached their Durable Object; evaluate the alert rules. */
  redrive: "*/5 * * * *",
  /** D1 → R2 backup (skipped when nothing changed): at most 15 minutes of writes at risk. */
  backup: "*/15 * * * *",
  /** Retention sweep, once a day at a quiet hour. */
  retention: "45 3 * * *",
  /** Every hour: the daily digest for the subscribers whose local time is 07:00–07:59. */
  digest: "0 * * * *",
} as const;

/** Runs the job for the cron expression that fired. An unknown expression is a deploy mistake. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const now = controller.scheduledTime;
  switch (controller.cron) {
    case CRONS.redrive: {
      await redriveStalled(env);
      // Loaded here for the same reason as the digest below: alerts tell admins through the engine.
      const { evaluateAlerts } = await import("../../shared/slo/alerts");
      await evaluateAlerts(env, now);
      return;
    }
    case CRONS.backup:
      // The scheduled time, not the clock: a retried run writes the same key again.
      await runBackup(env, new Date(now));
      return;
    case CRONS.retention:
      await sweepExpired(env, now);
      await sweepInbound(env, now);
      await sweepIdempotencyKeys(db(env.DB), now);
      await writeAuditHead(env, now);
      return;
    case CRONS.digest: {
      // Loaded here, not at the top: the notification engine imports `cloudflare:email`, which
      // the Node tests that read `CRONS` from this module cannot load.
      const { runDailyDigest } = await import("../../shared/notifications/digest");
      await runDailyDigest(env, now);
      return;
    }
    default:
      createLogger({ correlationId: `cron-${now}`, component: "cron" }).error("no job for cron expression", {
        cron: controller.cron,
      });
      throw new Error(`no job for cron expression "${controller.cron}"`);
  }
}
