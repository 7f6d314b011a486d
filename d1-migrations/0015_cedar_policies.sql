CREATE TABLE `policy_versions` (
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`text` text NOT NULL,
	`message` text NOT NULL,
	`rolled_back_from` integer,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `version`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tenant_policy_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`cedar_enabled` integer DEFAULT false NOT NULL,
	`updated_by` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
