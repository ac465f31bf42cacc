CREATE TABLE `content_builds` (
	`build_id` text PRIMARY KEY NOT NULL,
	`revision` text NOT NULL,
	`built_at` text NOT NULL,
	`pages` integer NOT NULL,
	`ingested_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `content_pages` (
	`locale` text NOT NULL,
	`slug` text NOT NULL,
	`url` text NOT NULL,
	`section` text,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`date` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`hash` text NOT NULL,
	`revision` text NOT NULL,
	`markdown` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`locale`, `slug`)
);
--> statement-breakpoint
CREATE INDEX `content_pages_locale_date_idx` ON `content_pages` (`locale`,`date`);--> statement-breakpoint
CREATE TABLE `content_versions` (
	`locale` text NOT NULL,
	`slug` text NOT NULL,
	`hash` text NOT NULL,
	`revision` text NOT NULL,
	`build_id` text NOT NULL,
	`title` text NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`locale`, `slug`, `hash`)
);
--> statement-breakpoint
CREATE INDEX `content_versions_page_idx` ON `content_versions` (`locale`,`slug`,`recorded_at`);