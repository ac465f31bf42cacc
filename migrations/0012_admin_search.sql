-- Free-text search for admins over the audit trail and the request history (drizzle cannot
-- express FTS5 or triggers). Both are external-content FTS5 tables: the text stays in its own
-- table, the index is kept in step by triggers, and a backup restores the rows and rebuilds the
-- index (workers/backups/dump.ts). Queries go through shared/fts.ts, which quotes every term.
--
-- Audit trail: indexed on insert only. audit_log refuses UPDATE and DELETE (0008), so there is
-- nothing else to follow; the hash chain is untouched (the index lives in its own tables).
CREATE VIRTUAL TABLE `audit_search` USING fts5(
	`action`,
	`actor_type`,
	`actor_id`,
	`target_type`,
	`target_id`,
	`correlation_id`,
	`before`,
	`after`,
	content = 'audit_log',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `audit_log_search_insert` AFTER INSERT ON `audit_log` BEGIN
	INSERT INTO `audit_search` (`rowid`, `action`, `actor_type`, `actor_id`, `target_type`, `target_id`, `correlation_id`, `before`, `after`)
	VALUES (new.id, new.action, new.actor_type, new.actor_id, new.target_type, new.target_id, new.correlation_id, new.before, new.after);
END;
--> statement-breakpoint
INSERT INTO `audit_search` (`audit_search`) VALUES ('rebuild');
--> statement-breakpoint
-- Request history: id, owner address, status, the text's excerpt, the result summary and the
-- failure reason. Updates re-index only when one of those columns changes.
CREATE VIRTUAL TABLE `submissions_search` USING fts5(
	`id`,
	`email`,
	`status`,
	`excerpt`,
	`summary`,
	`error`,
	content = 'submissions',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `submissions_search_insert` AFTER INSERT ON `submissions` BEGIN
	INSERT INTO `submissions_search` (`rowid`, `id`, `email`, `status`, `excerpt`, `summary`, `error`)
	VALUES (new.rowid, new.id, new.email, new.status, new.excerpt, new.summary, new.error);
END;
--> statement-breakpoint
CREATE TRIGGER `submissions_search_delete` AFTER DELETE ON `submissions` BEGIN
	INSERT INTO `submissions_search` (`submissions_search`, `rowid`, `id`, `email`, `status`, `excerpt`, `summary`, `error`)
	VALUES ('delete', old.rowid, old.id, old.email, old.status, old.excerpt, old.summary, old.error);
END;
--> statement-breakpoint
CREATE TRIGGER `submissions_search_update` AFTER UPDATE OF `id`, `email`, `status`, `excerpt`, `summary`, `error` ON `submissions` BEGIN
	INSERT INTO `submissions_search` (`submissions_search`, `rowid`, `id`, `email`, `status`, `excerpt`, `summary`, `error`)
	VALUES ('delete', old.rowid, old.id, old.email, old.status, old.excerpt, old.summary, old.error);
	INSERT INTO `submissions_search` (`rowid`, `id`, `email`, `status`, `excerpt`, `summary`, `error`)
	VALUES (new.rowid, new.id, new.email, new.status, new.excerpt, new.summary, new.error);
END;
--> statement-breakpoint
INSERT INTO `submissions_search` (`submissions_search`) VALUES ('rebuild');
