-- Full-text search over the content site (drizzle cannot express FTS5 or triggers).
-- One FTS5 row per content_pages row, sharing its rowid; the triggers keep the two in step, so
-- ingestion only ever writes content_pages. unicode61 with remove_diacritics 2 lets "cenik"
-- find "ceník"; the prefix index makes search-as-you-type prefixes cheap.
CREATE VIRTUAL TABLE `content_search` USING fts5(
	`title`,
	`description`,
	`body`,
	`tags`,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `content_pages_search_insert` AFTER INSERT ON `content_pages` BEGIN
	INSERT INTO `content_search` (`rowid`, `title`, `description`, `body`, `tags`)
	VALUES (new.rowid, new.title, new.description, new.markdown, new.tags);
END;
--> statement-breakpoint
CREATE TRIGGER `content_pages_search_delete` AFTER DELETE ON `content_pages` BEGIN
	DELETE FROM `content_search` WHERE `rowid` = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER `content_pages_search_update` AFTER UPDATE ON `content_pages` BEGIN
	DELETE FROM `content_search` WHERE `rowid` = old.rowid;
	INSERT INTO `content_search` (`rowid`, `title`, `description`, `body`, `tags`)
	VALUES (new.rowid, new.title, new.description, new.markdown, new.tags);
END;
