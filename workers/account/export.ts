import { asc, eq, inArray, or } from "drizzle-orm";
import { strToU8, type Zippable, zipSync } from "fflate";
import { db } from "../../shared/db/client";
import {
  apiKeys,
  channelDestinations,
  notificationPreferences,
  notifications,
  sessions,
  submissionFiles,
  submissionSteps,
  submissions,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from "../../shared/db/schema";
import { resultReleased } from "../../shared/submissions/release";

/** Most bytes of uploaded files put into one export archive (it is built in memory). */
const EXPORT_FILE_BYTES = 32 * 1024 * 1024;

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const json = (value: unknown) => strToU8(`${JSON.stringify(value, null, 2)}\n`);

const README = `Your StateX data
================

profile.json            your account (the password hash is not included)
sessions.json           browsers signed in to your account
api-keys.json           your API keys (names, prefixes, scopes; never the keys themselves)
submissions/<id>/       each request: submission.json (status, steps, files), input.json (what you
                        sent), result.md (the result, once there is one), files/ (the files you
                        sent, while the export stays under 32 MiB of files; past that
                        submission.json lists them and the API's download link serves them)
notifications.json      every message StateX sent you (requests, account notices, digests)
notification-settings.json  what you chose to be told on which channel, and where
webhooks.json           your webhook endpoints (without their secrets) and their deliveries
`;

/**
 * Everything StateX holds about one user, as a ZIP archive: D1 rows and the R2 objects of
 * their submissions. Secrets (password hash, key hashes, session tokens, webhook secrets)
 * are left out; they identify nothing the user does not already know.
 */
export async function buildExport(env: Env, userId: string, now = Date.now()): Promise<Uint8Array> {
  const d = db(env.DB);
  const [[user], userSessions, keys, subs, endpoints] = await d.batch([
    d.select().from(users).where(eq(users.id, userId)).limit(1),
    d.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt)),
    d.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.createdAt)),
    d.select().from(submissions).where(eq(submissions.userId, userId)).orderBy(asc(submissions.id)),
    d.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId)),
  ]);
  if (!user) throw new Error(`no user ${userId}`);
  // Children by subqueries on the owner, never by lists of ids: D1 binds at most 100
  // parameters a statement, and an account may have thousands of requests.
  const own = d.select({ id: submissions.id }).from(submissions).where(eq(submissions.userId, userId));
  const ownEndpoints = d
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.userId, userId));
  const [steps, sent, deliveries, uploads, preferences, destinations] = await Promise.all([
    d.select().from(submissionSteps).where(inArray(submissionSteps.submissionId, own)),
    d
      .select()
      .from(notifications)
      .where(or(eq(notifications.userId, userId), inArray(notifications.submissionId, own))),
    d.select().from(webhookDeliveries).where(inArray(webhookDeliveries.endpointId, ownEndpoints)),
    d
      .select()
      .from(submissionFiles)
      .where(inArray(submissionFiles.submissionId, own))
      .orderBy(asc(submissionFiles.submissionId), asc(submissionFiles.position)),
    d.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId)),
    d.select().from(channelDestinations).where(eq(channelDestinations.userId, userId)),
  ]);
  // The archive is built in memory: uploaded bytes are included up to this total.
  let fileBudget = EXPORT_FILE_BYTES;

  const files: Zippable = {
    "README.txt": strToU8(README),
    "profile.json": json({
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      locale: user.locale,
      timeZone: user.timeZone,
      emailVerifiedAt: iso(user.emailVerifiedAt),
      createdAt: iso(user.createdAt),
      exportedAt: iso(now),
    }),
    "sessions.json": json(
      userSessions.map((s) => ({
        createdAt: iso(s.createdAt),
        lastSeenAt: iso(s.lastSeenAt),
        expiresAt: iso(s.expiresAt),
        revokedAt: iso(s.revokedAt),
        userAgent: s.userAgent,
        ip: s.ip,
      })),
    ),
    "api-keys.json": json(
      keys.map((k) => ({
        name: k.name,
        prefix: k.prefix,
        scopes: k.scopes.split(" "),
        createdAt: iso(k.createdAt),
        lastUsedAt: iso(k.lastUsedAt),
        revokedAt: iso(k.revokedAt),
      })),
    ),
    "notifications.json": json(
      sent.map((n) => ({
        submissionId: n.submissionId,
        event: n.event,
        channel: n.channel,
        recipient: n.recipient,
        status: n.status,
        attempts: n.attempts,
        createdAt: iso(n.createdAt),
        sentAt: iso(n.sentAt),
        error: n.error,
      })),
    ),
    "notification-settings.json": json({
      preferences: preferences.map((p) => ({ event: p.event, channel: p.channel, enabled: p.enabled === 1 })),
      destinations: destinations.map((x) => ({ channel: x.channel, address: x.address })),
    }),
    "webhooks.json": json(
      endpoints.map((e) => ({
        id: e.id,
        url: e.url,
        events: e.events.split(" "),
        description: e.description,
        createdAt: iso(e.createdAt),
        deliveries: deliveries
          .filter((x) => x.endpointId === e.id)
          .map((x) => ({ id: x.id, event: x.event, status: x.status, attempts: x.attempts, payload: x.payload })),
      })),
    ),
  };

  for (const s of subs) {
    const folder = `submissions/${s.id}`;
    files[`${folder}/submission.json`] = json({
      id: s.id,
      status: s.status,
      source: s.source,
      email: s.email,
      summary: s.summary,
      error: s.error,
      createdAt: iso(s.createdAt),
      completedAt: iso(s.completedAt),
      steps: steps
        .filter((st) => st.submissionId === s.id)
        .sort((a, b) => a.position - b.position)
        .map((st) => ({ name: st.name, status: st.status, attempts: st.attempts, error: st.error })),
      files: uploads
        .filter((f) => f.submissionId === s.id)
        .map((f) => ({
          id: f.id,
          name: f.name,
          contentType: f.contentType,
          size: f.size,
          sha256: f.sha256,
          download: `/v1/submissions/${s.id}/files/${f.id}`,
        })),
    });
    for (const f of uploads.filter((u) => u.submissionId === s.id && u.size <= fileBudget)) {
      const object = await env.FILES.get(f.key);
      if (!object) continue;
      fileBudget -= f.size;
      files[`${folder}/files/${f.id}-${f.name}`] = new Uint8Array(await object.arrayBuffer());
    }
    const [input, result] = await Promise.all([
      env.FILES.get(s.inputKey),
      resultReleased(s) && s.resultKey ? env.FILES.get(s.resultKey) : null,
    ]);
    if (input) files[`${folder}/input.json`] = new Uint8Array(await input.arrayBuffer());
    if (result) files[`${folder}/result.md`] = new Uint8Array(await result.arrayBuffer());
  }
  return zipSync(files, { level: 6, mtime: new Date(now) });
}
