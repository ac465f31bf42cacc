/**
 * The contract of `/v1/admin/submissions`: a request as an admin sees it, and the filters the
 * search and the CSV export share.
 */
import { z } from "@hono/zod-openapi";
import { SUBMISSION_STATUSES } from "../../../shared/db/schema";
import { searchQuery } from "../schemas";

/** A request in an admin search's answer. */
const AdminSubmission = z
  .object({
    id: z.string(),
    status: z.enum(SUBMISSION_STATUSES),
    source: z.enum(["api", "portal", "email"]),
    userId: z.string().nullable(),
    email: z.string().openapi({ description: "The owner's address when the request was made." }),
    workflow: z.string(),
    textChars: z.number().int(),
    excerpt: z.string().nullable().openapi({ description: "The first characters of the request text." }),
    summary: z.string().nullable(),
    error: z.string().nullable(),
    requestId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
    snippet: z.string().nullable().openapi({
      description:
        "With `q`: the best-matching text, HTML-escaped, each matched word in `<mark>…</mark>`; otherwise null.",
    }),
  })
  .openapi("AdminSubmission");

/** The filters (and free text) the search and the export share. */
const filterQuery = z.object({
  status: z.enum(SUBMISSION_STATUSES).optional().openapi({ description: "Only submissions in this state." }),
  owner: z.string().max(254).optional().openapi({ description: "The owner: a user id (`usr_…`) or an email address." }),
  from: z.iso.datetime().optional().openapi({ description: "Created at or after (ISO 8601)." }),
  to: z.iso.datetime().optional().openapi({ description: "Created at or before (ISO 8601)." }),
  ...searchQuery,
});

/** The search's query string: the filters, its cursor and the page size. */
export const SubmissionSearchQuery = filterQuery.extend({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Page size (1–200)." }),
});

/** The export's query string: the search's filters, without paging. */
export const SubmissionExportQuery = filterQuery.omit({ cursor: true });

/** One page of the search. */
export const AdminSubmissionPage = z.object({
  items: z.array(AdminSubmission),
  nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page." }),
});
