CREATE TABLE `safe_modes` (
	`tenant_id` text NOT NULL,
	`scope_id` text NOT NULL,
	`team_id` text,
	`reason` text NOT NULL,
	`entered_by` text,
	`entered_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `scope_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE cascade
);
