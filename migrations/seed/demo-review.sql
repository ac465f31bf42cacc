-- The demo's second request (`npm run db:seed`): one whose workflow is `reviewed`, so its
-- result waits on the staff desk as a draft. It is seeded `queued` with an old timestamp; the
-- dev script (`site/dev.ts`) fires the scheduled handler once, whose re-drive starts its job,
-- and the job stops at `review` with the AI's draft. (The first request, in demo.sql, shows the
-- `auto` policy: its result went straight to the customer.) Idempotent: re-running changes nothing.
INSERT OR IGNORE INTO submissions
  (id, status, source, user_id, email, text_chars, excerpt, input_key, workflow, review_policy, desk_status,
   correlation_id, created_at, updated_at, last_customer_at, last_message_at)
VALUES
  ('sub_01JF000000000000000000DEM1', 'queued', 'portal', 'usr_demo', 'demo@statex.localhost', 164,
   'Do you offer a maintenance plan after launch? What does it cover, and can we cancel it monthly?',
   'inputs/sub_01JF000000000000000000DEM1.json', 'reviewed', 'review', 'new',
   'demo-seed-review', 1761991200000, 1761991200000, 1761991200000, 1761991200000);

INSERT OR IGNORE INTO submission_steps (submission_id, name, position, status, attempts)
VALUES
  ('sub_01JF000000000000000000DEM1', 'gather', 0, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'transcribe', 1, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'extract', 2, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'retrieve', 3, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'analyse', 4, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'compose', 5, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'review', 6, 'pending', 0),
  ('sub_01JF000000000000000000DEM1', 'notify', 7, 'pending', 0);

-- The first request (demo.sql) was answered under `auto`: the customer has the next word.
UPDATE submissions SET desk_status = 'waiting', last_customer_at = created_at, last_message_at = completed_at
WHERE id = 'sub_01JF000000000000000000DEM0' AND last_customer_at IS NULL;
