CREATE TABLE `mail_stats` (
	`day` text NOT NULL,
	`address` text NOT NULL,
	`event` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `address`, `event`, `reason`)
);
--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD `address` text;--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD `ack_sent_at` integer;--> statement-breakpoint
CREATE INDEX `inbound_emails_created_idx` ON `inbound_emails` (`created_at`);--> statement-breakpoint
CREATE INDEX `email_threads_root_idx` ON `email_threads` (`root_inbound_id`);