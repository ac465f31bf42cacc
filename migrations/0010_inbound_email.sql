CREATE TABLE `email_threads` (
	`submission_id` text PRIMARY KEY NOT NULL,
	`root_inbound_id` text NOT NULL,
	`subject` text NOT NULL,
	`in_reply_to` text,
	`references` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `inbound_emails` (
	`id` text PRIMARY KEY NOT NULL,
	`dedupe_key` text NOT NULL,
	`message_id` text,
	`sender` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`raw_key` text,
	`raw_size` integer NOT NULL,
	`parent_id` text,
	`submission_id` text,
	`user_id` text,
	`correlation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`confirmed_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbound_emails_dedupe_unique` ON `inbound_emails` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `inbound_emails_submission_idx` ON `inbound_emails` (`submission_id`);--> statement-breakpoint
CREATE INDEX `inbound_emails_status_created_idx` ON `inbound_emails` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `inbound_emails_parent_idx` ON `inbound_emails` (`parent_id`);