-- Demo data for local development (`npm run db:seed`); never applied to a remote database.
-- Idempotent: re-running leaves one demo submission.
INSERT OR IGNORE INTO submissions
  (id, status, source, email, text_chars, input_key, result_key, summary, error, ai_provider, correlation_id, created_at, updated_at, completed_at)
VALUES
  ('sub_01JF000000000000000000DEM0', 'completed', 'api', 'demo@statex.localhost', 262,
   'inputs/sub_01JF000000000000000000DEM0.json', 'results/sub_01JF000000000000000000DEM0.md',
   'Our warehouse in Brno keeps running out of packing material. The supplier says deliveries take two weeks, but our stock lasts ten days.',
   NULL, 'local', 'demo-seed', 1761987600000, 1761987601000, 1761987601000);

INSERT OR IGNORE INTO submission_steps
  (submission_id, name, position, status, attempts, provider, error, started_at, finished_at)
VALUES
  ('sub_01JF000000000000000000DEM0', 'gather', 0, 'done', 1, NULL, NULL, 1761987600050, 1761987600080),
  ('sub_01JF000000000000000000DEM0', 'transcribe', 1, 'skipped', 1, NULL, NULL, 1761987600080, 1761987600090),
  ('sub_01JF000000000000000000DEM0', 'extract', 2, 'skipped', 1, NULL, NULL, 1761987600090, 1761987600100),
  ('sub_01JF000000000000000000DEM0', 'analyse', 3, 'done', 1, 'local:statex-extractive-v1', NULL, 1761987600100, 1761987600200),
  ('sub_01JF000000000000000000DEM0', 'compose', 4, 'done', 1, NULL, NULL, 1761987600200, 1761987600300),
  ('sub_01JF000000000000000000DEM0', 'notify', 5, 'done', 1, NULL, NULL, 1761987600300, 1761987601000);
