-- The audit trail is append-only: no row may change or disappear (drizzle cannot express
-- triggers). Verification (GET /v1/admin/audit/verify, npm run audit:verify) also detects an
-- edit made by someone who drops these triggers first.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log` BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log` BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
