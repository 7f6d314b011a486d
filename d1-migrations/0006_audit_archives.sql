CREATE TABLE `audit_archive_checkpoints` (
	`chain_id` text PRIMARY KEY NOT NULL,
	`last_day` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`last_hash` text NOT NULL,
	`last_digest_key` text,
	`last_digest_sha256` text,
	`lease_owner` text,
	`lease_until` integer,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `audit_archives` (
	`chain_id` text NOT NULL,
	`day` text NOT NULL,
	`from_seq` integer NOT NULL,
	`to_seq` integer NOT NULL,
	`count` integer NOT NULL,
	`archive_key` text,
	`archive_sha256` text,
	`archive_bytes` integer,
	`digest_key` text NOT NULL,
	`digest_sha256` text NOT NULL,
	`kid` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expired_at` integer,
	PRIMARY KEY(`chain_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `audit_digest_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`public_jwk` text NOT NULL,
	`private_jwk_enc` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`retired_at` integer
);
