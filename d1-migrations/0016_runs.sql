CREATE TABLE `agent_reputation` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`succeeded` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`timed_out` integer DEFAULT 0 NOT NULL,
	`budget_exceeded` integer DEFAULT 0 NOT NULL,
	`denied` integer DEFAULT 0 NOT NULL,
	`finished` integer DEFAULT 0 NOT NULL,
	`durations` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`team_id` text NOT NULL,
	`caller_agent_id` text NOT NULL,
	`callee_agent_id` text NOT NULL,
	`parent_run_id` text,
	`via` text NOT NULL,
	`status` text NOT NULL,
	`scope` text NOT NULL,
	`max_calls` integer,
	`max_egress_calls` integer,
	`max_cost_units` integer,
	`used_calls` integer DEFAULT 0 NOT NULL,
	`used_egress_calls` integer DEFAULT 0 NOT NULL,
	`used_cost_units` integer DEFAULT 0 NOT NULL,
	`deadline_at` integer NOT NULL,
	`input_hash` text NOT NULL,
	`input` text NOT NULL,
	`output_hash` text,
	`output` text,
	`error_code` text,
	`error_message` text,
	`card_version` text,
	`relay_seq` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`duration_ms` integer,
	`provenance` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `runs_tenant_idx` ON `runs` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_callee_idx` ON `runs` (`tenant_id`,`callee_agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_caller_idx` ON `runs` (`tenant_id`,`caller_agent_id`,`id`);--> statement-breakpoint
CREATE INDEX `runs_parent_idx` ON `runs` (`parent_run_id`);