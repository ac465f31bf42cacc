CREATE TABLE `saved_replies` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saved_replies_title_unique` ON `saved_replies` (`title`);--> statement-breakpoint
CREATE TABLE `submission_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`submission_id` text NOT NULL,
	`kind` text NOT NULL,
	`channel` text NOT NULL,
	`author_id` text,
	`body` text NOT NULL,
	`file_ids` text,
	`client_key` text,
	`email_message_id` text,
	`from_draft` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`submission_id`) REFERENCES `submissions`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `submission_messages_thread_idx` ON `submission_messages` (`submission_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `submission_messages_client_key_unique` ON `submission_messages` (`submission_id`,`client_key`);--> statement-breakpoint
ALTER TABLE `submissions` ADD `desk_status` text DEFAULT 'new' NOT NULL;--> statement-breakpoint
ALTER TABLE `submissions` ADD `assignee_id` text REFERENCES users(id) ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE `submissions` ADD `last_customer_at` integer;--> statement-breakpoint
ALTER TABLE `submissions` ADD `last_message_at` integer;--> statement-breakpoint
ALTER TABLE `submissions` ADD `review_policy` text DEFAULT 'auto' NOT NULL;--> statement-breakpoint
CREATE INDEX `submissions_desk_idx` ON `submissions` (`desk_status`,`last_customer_at`);--> statement-breakpoint
CREATE INDEX `submissions_assignee_idx` ON `submissions` (`assignee_id`,`desk_status`);--> statement-breakpoint
-- Requests made before the desk: the customer last wrote when they sent it; an answered one
-- waits on its customer, a failed one needs a person.
UPDATE `submissions` SET `last_customer_at` = `created_at`, `last_message_at` = `created_at`,
  `desk_status` = CASE `status` WHEN 'completed' THEN 'waiting' WHEN 'failed' THEN 'open' ELSE 'new' END;
