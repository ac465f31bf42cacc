CREATE TABLE `sent_emails` (
	`message_id` text PRIMARY KEY NOT NULL,
	`recipient` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sent_emails_created_idx` ON `sent_emails` (`created_at`);--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD `acked_at` integer;--> statement-breakpoint
CREATE INDEX `inbound_emails_acked_idx` ON `inbound_emails` (`acked_at`);