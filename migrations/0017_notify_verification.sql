CREATE TABLE `destination_codes` (
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`address` text NOT NULL,
	`code_hash` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`sent_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`notification_id` text NOT NULL,
	PRIMARY KEY(`user_id`, `channel`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `notifications` ADD `charged_at` integer;--> statement-breakpoint
CREATE INDEX `notifications_user_channel_charged_idx` ON `notifications` (`user_id`,`channel`,`charged_at`);--> statement-breakpoint
CREATE INDEX `notifications_channel_recipient_idx` ON `notifications` (`channel`,`recipient`,`created_at`);--> statement-breakpoint
ALTER TABLE `channel_destinations` ADD `verified_at` integer;--> statement-breakpoint
-- Slack and Discord webhook URLs are secrets of the workspace that issued them and cost nothing
-- to post to: they count as verified. SMS, WhatsApp and Telegram destinations saved before
-- ownership codes existed stay unverified until their owner enters a code.
UPDATE `channel_destinations` SET `verified_at` = `updated_at` WHERE `channel` IN ('slack', 'discord');
