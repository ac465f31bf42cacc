CREATE TABLE `ai_usage` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`submission_id` text NOT NULL,
	`step` text NOT NULL,
	`operation` text NOT NULL,
	`provider` text NOT NULL,
	`model` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`audio_seconds` integer,
	`latency_ms` integer NOT NULL,
	`ok` integer NOT NULL,
	`error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ai_usage_submission_idx` ON `ai_usage` (`submission_id`);--> statement-breakpoint
CREATE INDEX `ai_usage_provider_created_idx` ON `ai_usage` (`provider`,`created_at`);--> statement-breakpoint
ALTER TABLE `submissions` ADD `workflow` text DEFAULT 'analyse' NOT NULL;--> statement-breakpoint
CREATE INDEX `submissions_email_status_idx` ON `submissions` (`email`,`status`);