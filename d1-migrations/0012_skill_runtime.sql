ALTER TABLE `skill_versions` ADD `content_hash` text;--> statement-breakpoint
ALTER TABLE `skill_versions` ADD `code_key` text;--> statement-breakpoint
ALTER TABLE `skill_versions` ADD `code_bytes` integer;--> statement-breakpoint
ALTER TABLE `skill_versions` ADD `tools` text;