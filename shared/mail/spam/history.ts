/**
 * The sender-history signal, read from D1: how many earlier messages from the address expired
 * unconfirmed (`inbound_emails` rows `expired`), and whether the address ever confirmed one;
 * the same for its domain, counted in distinct senders, so that one domain's flood of forged
 * addresses weighs on the next, while a domain real customers write from (any mail provider)
 * never does — one confirmed message from it clears the whole domain. History lasts as long as
 * the rows do (`RETENTION_DAYS`). Queries are bounded: the address by its index, the domain by
 * the `expired` rows (a `LIMIT` on the distinct senders it counts), and the domain's confirmed
 * check only runs once its count is reached, stopping at the first confirmed row.
 */
import { sql } from "drizzle-orm";
import { db } from "../../db/client";
import { DOMAIN_EXPIRED_SENDERS, type SenderHistory } from "./score";

/** Statuses that mean a person confirmed, or wrote in a thread only they could reach. */
const CONFIRMED = ["accepted", "appended"] as const;

/** `LIKE` with the domain's `%`, `_` and `\` taken literally. */
const likeDomain = (domain: string) => `%@${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}`;

/** What earlier mail from `sender` (a lower-cased address) became. */
export async function senderHistory(env: Env, sender: string): Promise<SenderHistory> {
  const d = db(env.DB);
  const domain = sender.split("@")[1] ?? "";
  const [address] = await d.all<{ expired: number; confirmed: number }>(sql`
    SELECT coalesce(sum(status = 'expired'), 0) AS expired,
           coalesce(sum(status IN ${CONFIRMED}), 0) AS confirmed
    FROM inbound_emails WHERE sender = ${sender}`);
  let domainExpiredSenders = 0;
  let domainConfirmed = false;
  if (domain) {
    const [row] = await d.all<{ senders: number }>(sql`
      SELECT count(*) AS senders FROM (
        SELECT DISTINCT sender FROM inbound_emails
        WHERE status = 'expired' AND sender LIKE ${likeDomain(domain)} ESCAPE '\\' AND sender <> ${sender}
        LIMIT ${DOMAIN_EXPIRED_SENDERS})`);
    domainExpiredSenders = row?.senders ?? 0;
    if (domainExpiredSenders >= DOMAIN_EXPIRED_SENDERS) {
      const [confirmed] = await d.all<{ one: number }>(sql`
        SELECT 1 AS one FROM inbound_emails
        WHERE status IN ${CONFIRMED} AND sender LIKE ${likeDomain(domain)} ESCAPE '\\' LIMIT 1`);
      domainConfirmed = Boolean(confirmed);
    }
  }
  return {
    addressExpired: address?.expired ?? 0,
    addressConfirmed: (address?.confirmed ?? 0) > 0,
    domainExpiredSenders,
    domainConfirmed,
  };
}
