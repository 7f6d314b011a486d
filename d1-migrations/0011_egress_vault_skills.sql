CREATE TABLE `agent_egress` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`mode` text NOT NULL,
	`updated_by` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `agent_skills` (
	`agent_id` text NOT NULL,
	`skill_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`version` text NOT NULL,
	`mode` text NOT NULL,
	`installed_by` text,
	`installed_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`agent_id`, `skill_id`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `agent_skills_tenant_idx` ON `agent_skills` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `egress_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`agent_id` text,
	`effect` text NOT NULL,
	`host` text NOT NULL,
	`methods` text,
	`path_prefix` text,
	`schemes` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `egress_rules_tenant_agent_idx` ON `egress_rules` (`tenant_id`,`agent_id`);--> statement-breakpoint
CREATE TABLE `egress_usage` (
	`tenant_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`day` text NOT NULL,
	`allowed` integer DEFAULT 0 NOT NULL,
	`denied` integer DEFAULT 0 NOT NULL,
	`bytes_out` integer DEFAULT 0 NOT NULL,
	`bytes_in` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `agent_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `secret_versions` (
	`secret_id` text NOT NULL,
	`version` integer NOT NULL,
	`vault_key_id` text NOT NULL,
	`ciphertext` text NOT NULL,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`secret_id`, `version`),
	FOREIGN KEY (`secret_id`) REFERENCES `secrets`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `secrets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`host` text NOT NULL,
	`path_prefix` text,
	`methods` text,
	`injection` text NOT NULL,
	`scope` text NOT NULL,
	`current_version` integer NOT NULL,
	`expires_at` integer,
	`created_by` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `secrets_tenant_idx` ON `secrets` (`tenant_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `secrets_tenant_name_live_unique` ON `secrets` (`tenant_id`,`name`) WHERE deleted_at is null;--> statement-breakpoint
CREATE TABLE `skill_versions` (
	`skill_id` text NOT NULL,
	`version` text NOT NULL,
	`manifest` text NOT NULL,
	`status` text DEFAULT 'published' NOT NULL,
	`status_message` text,
	`published_by` text,
	`published_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`status_changed_at` integer,
	PRIMARY KEY(`skill_id`, `version`),
	FOREIGN KEY (`skill_id`) REFERENCES `skills`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `skills` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`publisher` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `skills_tenant_name_unique` ON `skills` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `vault_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`kek_id` text NOT NULL,
	`wrapped_key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`rewrapped_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vault_keys_tenant_unique` ON `vault_keys` (`tenant_id`);--> statement-breakpoint
CREATE INDEX `vault_keys_kek_idx` ON `vault_keys` (`kek_id`);