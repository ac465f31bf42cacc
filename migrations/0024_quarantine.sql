ALTER TABLE `inbound_emails` ADD `spam_score` integer;--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD `spam_reasons` text;--> statement-breakpoint
ALTER TABLE `inbound_emails` ADD `released_at` integer;--> statement-breakpoint
CREATE INDEX `inbound_emails_sender_status_idx` ON `inbound_emails` (`sender`,`status`);