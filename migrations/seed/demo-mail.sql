-- Demo mail analytics for local development (`npm run db:seed`): two weeks of counters up to
-- today, so /app/admin/mail/analytics and /metrics show something on a fresh database, and a
-- few acknowledged messages for the time to acknowledgement. Written only while mail_stats is
-- empty (a database that has counted real mail keeps its own figures), and the messages by
-- fixed id, so re-running changes nothing. Never applied to a remote database.
WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 13),
  figures(address, event, reason, base, spread) AS (VALUES
    ('requests@statex.localhost', 'accepted', '', 6, 5),
    ('requests@statex.localhost', 'confirmed', '', 4, 4),
    ('requests@statex.localhost', 'refused', 'too-large', 0, 2),
    ('requests@statex.localhost', 'refused', 'empty', 0, 2),
    ('requests@statex.localhost', 'quarantined', '', 1, 3),
    ('requests@statex.localhost', 'released', '', 0, 2),
    ('requests@statex.localhost', 'ignored', 'automatic', 1, 3),
    ('requests@statex.localhost', 'forwarded', '', 0, 3),
    ('(unknown)', 'refused', 'unknown-address', 2, 6),
    ('', 'sent', '', 12, 8),
    ('', 'bounced', '', 0, 2),
    ('', 'complained', '', 0, 2))
INSERT INTO mail_stats (day, address, event, reason, n)
SELECT date('now', printf('-%d days', i)), address, event, reason, base + (i * 7 + length(event) * 3) % spread
FROM d, figures
WHERE NOT EXISTS (SELECT 1 FROM mail_stats) AND base + (i * 7 + length(event) * 3) % spread > 0;

-- Acknowledged, never confirmed (expired): arrival → acknowledgement in 0.4 to 2.6 seconds.
WITH RECURSIVE m(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM m WHERE i < 11)
INSERT OR IGNORE INTO inbound_emails
  (id, dedupe_key, sender, recipient, address, subject, status, raw_size, correlation_id, created_at, acked_at, ack_sent_at)
SELECT printf('in_01JF000000000000000000DM%02d', i), printf('demo:mail:%d', i), printf('customer%d@example.com', i),
  'requests@statex.localhost', 'requests@statex.localhost', 'A question about pricing', 'expired', 1200, 'demo-seed',
  (CAST(strftime('%s', 'now') AS INTEGER) - (i + 1) * 86400 / 2) * 1000,
  (CAST(strftime('%s', 'now') AS INTEGER) - (i + 1) * 86400 / 2) * 1000,
  (CAST(strftime('%s', 'now') AS INTEGER) - (i + 1) * 86400 / 2) * 1000 + 400 + (i * 617) % 2200
FROM m;
