CREATE TABLE `signin_failures` (
	`subject` text PRIMARY KEY NOT NULL,
	`failures` integer NOT NULL,
	`locked_until` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `signin_failures_updated_idx` ON `signin_failures` (`updated_at`);--> statement-breakpoint
ALTER TABLE `auth_tokens` ADD `browser_hash` text;