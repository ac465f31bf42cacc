-- Demo data for local development (`npm run db:seed`); never applied to a remote database.
-- Idempotent: re-running changes nothing.
--   demo@statex.localhost  / demo-password   (user)
--   admin@statex.localhost / admin-password  (admin)
--   staff@statex.localhost / staff-password  (staff: the desk at /app/desk)
--   API key of the demo user: sx_demo_local_development_key_not_for_production
-- The hashes are PBKDF2-SHA256 with fixed salts, so the demo passwords are public: local only.
INSERT OR IGNORE INTO users (id, email, name, role, password_hash, email_verified_at, locale, time_zone, created_at, updated_at)
VALUES
  ('usr_demo', 'demo@statex.localhost', 'Demo User', 'user',
   'pbkdf2-sha256$100000$c3RhdGV4LWRlbW8tc2FsdA$ANWgd5Kfrtevz8v9Mx1iSlCxvSbqVV0bKKtmQjKxhwE',
   1761987600000, 'en', 'Europe/Prague', 1761987600000, 1761987600000),
  ('usr_admin', 'admin@statex.localhost', 'Demo Admin', 'admin',
   'pbkdf2-sha256$100000$c3RhdGV4LWFkbW4tc2FsdA$UOocoXlIq_dB2eb5xGdSlTfjGOpmFqxNdo2appeP1IY',
   1761987600000, 'en', 'UTC', 1761987600000, 1761987600000),
  ('usr_staff', 'staff@statex.localhost', 'Demo Staff', 'staff',
   'pbkdf2-sha256$100000$c3RhdGV4LXN0YWYtc2FsdA$RGoA9l5hSYI0Vw1q9tRXKGPoV8YbuUHatkVJet9MmUY',
   1761987600000, 'en', 'Europe/Prague', 1761987600000, 1761987600000);

INSERT OR IGNORE INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at)
VALUES ('key_demo', 'usr_demo', 'Demo key (local only)', 'sx_demo_loc',
  '884acf6aadc0c4c3dce25c8b61ba5103c1c3b47643eee6b92bcbdce0ffacab71', 'submissions:read submissions:write', 1761987600000);

INSERT OR IGNORE INTO submissions
  (id, status, source, user_id, email, text_chars, input_key, result_key, summary, sources, error, ai_provider, correlation_id, created_at, updated_at, completed_at)
VALUES
  ('sub_01JF000000000000000000DEM0', 'completed', 'api', 'usr_demo', 'demo@statex.localhost', 186,
   'inputs/sub_01JF000000000000000000DEM0.json', 'results/sub_01JF000000000000000000DEM0.md',
   'We run three dental clinics in Brno and need online booking with SMS reminders for our patients. Our current site is five years old.',
   '[{"n":1,"title":"Web development","section":"Example: online booking with SMS reminders","url":"http://127.0.0.1:8787/services/web-development/#example-online-booking-with-sms-reminders","locale":"en","score":36.086},{"n":2,"title":"Pricing","section":"Annual billing","url":"http://127.0.0.1:8787/pricing/#annual-billing","locale":"en","score":9.841},{"n":3,"title":"Web development","section":null,"url":"http://127.0.0.1:8787/services/web-development/","locale":"en","score":16.282}]',
   NULL, 'local', 'demo-seed', 1761987600000, 1761987601000, 1761987601000);

INSERT OR IGNORE INTO submission_steps
  (submission_id, name, position, status, attempts, provider, error, started_at, finished_at)
VALUES
  ('sub_01JF000000000000000000DEM0', 'gather', 0, 'done', 1, NULL, NULL, 1761987600050, 1761987600080),
  ('sub_01JF000000000000000000DEM0', 'transcribe', 1, 'skipped', 1, NULL, NULL, 1761987600080, 1761987600090),
  ('sub_01JF000000000000000000DEM0', 'extract', 2, 'skipped', 1, NULL, NULL, 1761987600090, 1761987600100),
  ('sub_01JF000000000000000000DEM0', 'retrieve', 3, 'done', 1, NULL, NULL, 1761987600100, 1761987600150),
  ('sub_01JF000000000000000000DEM0', 'analyse', 4, 'done', 1, 'local:statex-extractive-v1', NULL, 1761987600150, 1761987600200),
  ('sub_01JF000000000000000000DEM0', 'compose', 5, 'done', 1, NULL, NULL, 1761987600200, 1761987600300),
  ('sub_01JF000000000000000000DEM0', 'notify', 6, 'done', 1, NULL, NULL, 1761987600300, 1761987601000);

-- The desk: the demo request's thread (the customer asked again by API, staff noted and
-- answered), assigned to the demo staff member and waiting on its customer; one saved reply.
INSERT OR IGNORE INTO submission_messages
  (id, submission_id, kind, channel, author_id, body, file_ids, client_key, email_message_id, from_draft, created_at)
VALUES
  ('msg_01JF000000000000000000DEM1', 'sub_01JF000000000000000000DEM0', 'customer', 'api', 'usr_demo',
   'Thank you! Can the booking also remind patients by email, and could we start in January?',
   NULL, 'seed-customer-1', NULL, 0, 1762074000000),
  ('msg_01JF000000000000000000DEM2', 'sub_01JF000000000000000000DEM0', 'note', 'desk', 'usr_staff',
   'Asked the web team: email reminders are part of the booking module. A January start works if they confirm by **15 December**.',
   NULL, 'seed-note-1', NULL, 0, 1762077600000),
  ('msg_01JF000000000000000000DEM3', 'sub_01JF000000000000000000DEM0', 'reply', 'desk', 'usr_staff',
   'Hello Demo User,

yes: the booking module sends reminders by SMS **and** by email, as each patient prefers. We can start in January if you confirm by 15 December.

Best regards,
Demo Staff',
   NULL, 'seed-reply-1', NULL, 0, 1762081200000);

-- Set once (a re-run finds last_customer_at set and changes nothing); the excerpt is what the
-- inbox shows and searches (intake writes it; the seed row predates it).
UPDATE submissions
SET desk_status = 'waiting', assignee_id = 'usr_staff', last_customer_at = 1762074000000,
    last_message_at = 1762081200000,
    excerpt = 'We run three dental clinics in Brno and need online booking with SMS reminders for our patients. How much would that cost, and how long would it take? Our current site is five years old.'
WHERE id = 'sub_01JF000000000000000000DEM0' AND (last_customer_at IS NULL OR last_customer_at < 1762074000000);

INSERT OR IGNORE INTO saved_replies (id, title, body, created_by, created_at, updated_at)
VALUES ('rpl_01JF000000000000000000DEM1', 'Thanks, we are on it',
  'Hello {{customer.name}},

thank you for your request {{request.id}}. We are looking into it and will come back to you within one working day.

Best regards,
{{agent.name}}',
  'usr_staff', 1761987600000, 1761987600000);
