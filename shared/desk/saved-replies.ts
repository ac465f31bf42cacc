/**
 * Saved replies: texts staff reuse, with variables filled in for the request at hand.
 *
 * Filling is a plain text substitution over a fixed table of names (`REPLY_VARIABLES`), one
 * pass of one regular expression, linear in the text: `{{customer.name}}` becomes the
 * customer's name, and a name the table does not hold (`{{customer.password}}`,
 * `{{constructor}}`, `{{ 7*7 }}`) stays in the text as written, for the person sending to see
 * and fix. Nothing is ever evaluated, and a filled value is not filled again.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { MAX_MESSAGE_CHARS, type SavedReplyRow, savedReplies } from "../db/schema";
import { ulid } from "../ids";

/** The longest title of a saved reply. */
export const MAX_SAVED_REPLY_TITLE = 120;
/** The most saved replies the desk lists (and one team keeps). */
export const MAX_SAVED_REPLIES = 200;

/** The variables a saved reply may use, and what each is filled with. */
export const REPLY_VARIABLES = ["customer.name", "customer.email", "request.id", "agent.name"] as const;
export type ReplyVariable = (typeof REPLY_VARIABLES)[number];

/** What the variables of one reply are filled with. */
export type ReplyContext = Record<ReplyVariable, string>;

const VARIABLE = /\{\{\s*([A-Za-z0-9_.]{1,40})\s*\}\}/g;

/** `body` with every known variable filled from `context`; unknown ones left as written. */
export function fillReply(body: string, context: ReplyContext): string {
  return body.replace(VARIABLE, (whole, name: string) =>
    Object.hasOwn(context, name) ? context[name as ReplyVariable] : whole,
  );
}

/** Why a saved reply cannot be stored: the message is safe to show. */
export class SavedReplyRefused extends Error {}

function checked(input: { title: string; body: string }) {
  const title = input.title.replace(/\s+/g, " ").trim();
  const body = input.body.replace(/\r\n?/g, "\n").trim();
  if (!title) throw new SavedReplyRefused("A saved reply needs a title.");
  if (title.length > MAX_SAVED_REPLY_TITLE)
    throw new SavedReplyRefused(`The title is longer than ${MAX_SAVED_REPLY_TITLE} characters.`);
  if (!body) throw new SavedReplyRefused("A saved reply needs a text.");
  if (body.length > MAX_MESSAGE_CHARS)
    throw new SavedReplyRefused(`The text is longer than ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters.`);
  return { title, body };
}

const isTitleTaken = (error: unknown) =>
  error instanceof Error && /UNIQUE constraint failed: saved_replies\.title/.test(`${error.message} ${error.cause}`);

/** Every saved reply, by title. */
export async function listSavedReplies(d: Db): Promise<SavedReplyRow[]> {
  return d.select().from(savedReplies).orderBy(asc(savedReplies.title)).limit(MAX_SAVED_REPLIES);
}

export async function findSavedReply(d: Db, id: string): Promise<SavedReplyRow | null> {
  if (id.length > 40) return null;
  const [row] = await d.select().from(savedReplies).where(eq(savedReplies.id, id)).limit(1);
  return row ?? null;
}

/** Stores a new saved reply. Throws `SavedReplyRefused` for a bad or taken title, an empty or long text. */
export async function createSavedReply(
  d: Db,
  input: { title: string; body: string; createdBy: string },
  now = Date.now(),
): Promise<SavedReplyRow> {
  const { title, body } = checked(input);
  const n = await d.$count(savedReplies);
  if (n >= MAX_SAVED_REPLIES) throw new SavedReplyRefused(`There are ${MAX_SAVED_REPLIES} saved replies already.`);
  try {
    const [row] = await d
      .insert(savedReplies)
      .values({ id: `rpl_${ulid(now)}`, title, body, createdBy: input.createdBy, createdAt: now, updatedAt: now })
      .returning();
    if (!row) throw new Error("saved reply not written");
    return row;
  } catch (error) {
    if (isTitleTaken(error)) throw new SavedReplyRefused(`A saved reply titled “${title}” exists already.`);
    throw error;
  }
}

/** Changes a saved reply; returns it before and after, or null when there is none with `id`. */
export async function updateSavedReply(
  d: Db,
  id: string,
  input: { title: string; body: string },
  now = Date.now(),
): Promise<{ before: SavedReplyRow; after: SavedReplyRow } | null> {
  const { title, body } = checked(input);
  const before = await findSavedReply(d, id);
  if (!before) return null;
  try {
    const [after] = await d
      .update(savedReplies)
      .set({ title, body, updatedAt: now })
      .where(eq(savedReplies.id, id))
      .returning();
    return after ? { before, after } : null;
  } catch (error) {
    if (isTitleTaken(error)) throw new SavedReplyRefused(`A saved reply titled “${title}” exists already.`);
    throw error;
  }
}

/** Deletes a saved reply; returns what it was, or null when there was none. */
export async function deleteSavedReply(d: Db, id: string): Promise<SavedReplyRow | null> {
  if (id.length > 40) return null;
  const [row] = await d.delete(savedReplies).where(eq(savedReplies.id, id)).returning();
  return row ?? null;
}
