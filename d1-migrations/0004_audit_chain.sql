ALTER TABLE `audit_events` ADD `chain_id` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `seq` integer;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `prev_hash` text;--> statement-breakpoint
ALTER TABLE `audit_events` ADD `hash` text;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_chain_seq_unique` ON `audit_events` (`chain_id`,`seq`);