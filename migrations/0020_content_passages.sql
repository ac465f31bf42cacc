CREATE TABLE `content_passages` (
	`locale` text NOT NULL,
	`slug` text NOT NULL,
	`anchor` text NOT NULL,
	`seq` integer NOT NULL,
	`piece` integer DEFAULT 1 NOT NULL,
	`title` text NOT NULL,
	`section` text,
	`url` text NOT NULL,
	`text` text NOT NULL,
	`plain` text NOT NULL,
	PRIMARY KEY(`locale`, `slug`, `seq`)
);
