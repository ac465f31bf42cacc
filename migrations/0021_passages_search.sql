-- Full-text index of the pages' passages, for the pipeline's `retrieve` step (drizzle cannot
-- express FTS5 or triggers). One FTS5 row per content_passages row, sharing its rowid; the
-- triggers keep them in step, so ingestion only writes content_passages.
-- One table for both locales, stemmed by porter over unicode61 (diacritics removed): porter is
-- applied alike to the indexed words and the query's, so a Czech word still matches itself
-- (at worst two Czech forms are conflated), while English gains plural/verb-form matches. The
-- locale is a filter on the join, not a separate index, because a request in one language may
-- be best answered by a page in the other.
CREATE VIRTUAL TABLE `passages_search` USING fts5(
	`title`,
	`section`,
	`text`,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `content_passages_search_insert` AFTER INSERT ON `content_passages` BEGIN
	INSERT INTO `passages_search` (`rowid`, `title`, `section`, `text`)
	VALUES (new.rowid, new.title, coalesce(new.section, ''), new.plain);
END;
--> statement-breakpoint
CREATE TRIGGER `content_passages_search_delete` AFTER DELETE ON `content_passages` BEGIN
	DELETE FROM `passages_search` WHERE `rowid` = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `content_passages_search_update` AFTER UPDATE ON `content_passages` BEGIN
	DELETE FROM `passages_search` WHERE `rowid` = old.rowid;
	INSERT INTO `passages_search` (`rowid`, `title`, `section`, `text`)
	VALUES (new.rowid, new.title, coalesce(new.section, ''), new.plain);
END;
