CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`submission_id` text NOT NULL,
	`event` text NOT NULL,
	`channel` text NOT NULL,
	`recipient` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claimed_until` integer,
	`provider_message_id` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`submission_id`) REFERENCES `submissions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notifications_submission_idx` ON `notifications` (`submission_id`);--> statement-breakpoint
CREATE TABLE `submission_steps` (
	`submission_id` text NOT NULL,
	`name` text NOT NULL,
	`position` integer NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`provider` text,
	`error` text,
	`started_at` integer,
	`finished_at` integer,
	PRIMARY KEY(`submission_id`, `name`),
	FOREIGN KEY (`submission_id`) REFERENCES `submissions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`email` text NOT NULL,
	`text_chars` integer NOT NULL,
	`input_key` text NOT NULL,
	`result_key` text,
	`summary` text,
	`error` text,
	`ai_provider` text,
	`correlation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`completed_at` integer
);
--> statement-breakpoint
CREATE INDEX `submissions_status_created_idx` ON `submissions` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `submissions_email_idx` ON `submissions` (`email`);