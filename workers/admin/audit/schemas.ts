/**
 * The contract of `/v1/admin/audit`: the search's query string, an audit entry as the API shows
 * it, a page of entries, and the chain check's verdict.
 */
import { z } from "@hono/zod-openapi";
import { searchQuery } from "../schemas";

const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable().openapi({ description: "Truncated to /24 (IPv4) or /48 (IPv6)." }),
    userAgent: z.string().nullable(),
    correlationId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    hash: z.string(),
    snippet: z.string().nullable().openapi({
      description:
        "With `q`: the best-matching text, HTML-escaped, each matched word in `<mark>…</mark>`; otherwise null.",
    }),
  })
  .openapi("AuditEntry");

/** The audit search's filters, paging and page size. */
export const AuditQuery = z.object({
  action: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  targetId: z.string().max(100).optional(),
  from: z.iso.datetime().optional().openapi({ description: "Earliest time (ISO 8601)." }),
  to: z.iso.datetime().optional().openapi({ description: "Latest time (ISO 8601)." }),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  ...searchQuery,
});

/** One page of the audit search. */
export const AuditPage = z.object({
  items: z.array(AuditEntry),
  nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
  nextBefore: z.number().int().nullable().openapi({ description: "Newest-first lists only." }),
});

/** The chain check's verdict (`verifyChain`). */
export const ChainVerdictSchema = z.object({
  ok: z.boolean(),
  rows: z.number().int(),
  head: z.object({ id: z.number().int(), hash: z.string() }).nullable(),
  broken: z.object({ id: z.number().int(), reason: z.string() }).optional(),
});
