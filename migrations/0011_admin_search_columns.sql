ALTER TABLE `submissions` ADD `excerpt` text;--> statement-breakpoint
CREATE INDEX `submissions_completed_idx` ON `submissions` (`completed_at`);--> statement-breakpoint
CREATE INDEX `submission_steps_finished_idx` ON `submission_steps` (`finished_at`);