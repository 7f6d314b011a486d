CREATE TABLE `project_members` (
	`project_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`project_id`, `user_id`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `project_members_tenant_user_idx` ON `project_members` (`tenant_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`archived_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `projects_tenant_idx` ON `projects` (`tenant_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `projects_tenant_name_unique` ON `projects` (`tenant_id`,`name`);--> statement-breakpoint
ALTER TABLE `agents` ADD `project_id` text REFERENCES projects(id);--> statement-breakpoint
CREATE INDEX `agents_project_idx` ON `agents` (`tenant_id`,`project_id`,`id`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `project_id` text REFERENCES projects(id);--> statement-breakpoint
ALTER TABLE `teams` ADD `project_id` text REFERENCES projects(id);--> statement-breakpoint
CREATE INDEX `teams_project_idx` ON `teams` (`tenant_id`,`project_id`,`id`);