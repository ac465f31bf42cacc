CREATE TABLE `mail_addresses` (
	`address` text PRIMARY KEY NOT NULL,
	`route_id` text NOT NULL,
	`kind` text NOT NULL,
	`plus_tags` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`route_id`) REFERENCES `mail_routes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mail_addresses_route_idx` ON `mail_addresses` (`route_id`);--> statement-breakpoint
CREATE TABLE `mail_forward_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`route_id` text NOT NULL,
	`destination` text NOT NULL,
	`match_address` text,
	`match_sender_domain` text,
	`match_subject` text DEFAULT '' NOT NULL,
	`match_verdict` text,
	`stop` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`route_id`) REFERENCES `mail_routes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `mail_forward_rules_route_idx` ON `mail_forward_rules` (`route_id`);--> statement-breakpoint
CREATE TABLE `mail_forwards` (
	`id` text PRIMARY KEY NOT NULL,
	`inbound_id` text NOT NULL,
	`rule_id` text,
	`route_id` text,
	`destination` text NOT NULL,
	`sender` text NOT NULL,
	`recipient` text NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`outcome` text NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`rule_id`) REFERENCES `mail_forward_rules`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `mail_forwards_created_idx` ON `mail_forwards` (`created_at`);--> statement-breakpoint
CREATE INDEX `mail_forwards_inbound_idx` ON `mail_forwards` (`inbound_id`);--> statement-breakpoint
CREATE TABLE `mail_routes` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`workflow` text DEFAULT 'analyse' NOT NULL,
	`review_policy` text DEFAULT 'default' NOT NULL,
	`assignee_id` text,
	`ack_locale` text DEFAULT 'en' NOT NULL,
	`ack_text` text DEFAULT '' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`assignee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
ALTER TABLE `users` ADD `known_sender` text DEFAULT 'off' NOT NULL;