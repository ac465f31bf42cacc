/**
 * The request side of the audit trail: every handler (API, portal, email links) records what a
 * person did through `audit(c, …)`, which adds who, from where and the correlation id, and hands
 * the entry to the AuditChain Durable Object.
 */
import type { Context } from "hono";
import type { AuditEntry } from "../shared/audit";
import type { AppEnv } from "./app-env";

/**
 * Records an audited action of the current request: the actor is the signed-in user (or
 * anonymous), with the client's IP, user agent and correlation id. A failed write is logged
 * and does not undo the action the person already took.
 */
export async function audit(
  c: Context<AppEnv>,
  entry: Omit<AuditEntry, "actorType" | "ip" | "userAgent" | "correlationId"> & { actorType?: AuditEntry["actorType"] },
): Promise<void> {
  const user = c.get("user") as AppEnv["Variables"]["user"] | undefined;
  try {
    await c.env.AUDIT_CHAIN.getByName("global").append({
      actorType: entry.actorType ?? (user ? user.role : "anonymous"),
      actorId: entry.actorId ?? user?.id ?? null,
      ip: c.req.header("cf-connecting-ip") ?? null,
      userAgent: c.req.header("user-agent") ?? null,
      correlationId: c.get("requestId"),
      ...entry,
    });
  } catch (error) {
    c.get("log").error("audit write failed", { action: entry.action, error });
  }
}
