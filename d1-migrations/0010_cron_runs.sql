CREATE TABLE `cron_runs` (
	`job` text PRIMARY KEY NOT NULL,
	`last_started_at` integer NOT NULL,
	`last_finished_at` integer,
	`last_status` text NOT NULL,
	`last_error` text,
	`last_success_at` integer,
	`last_summary` text,
	`runs` integer DEFAULT 0 NOT NULL
);
