-- Custom migration (drizzle-kit generate --custom): data, not schema, so drizzle cannot write it.
-- Gives every tenant its default project and moves existing agents and teams into it.
-- The default project's id is derived from the tenant id ('prj_' || the id's body, as
-- workers/shared/projects.ts defaultProjectId), so this, the API's lazy creation and rows still
-- null after it (written by old code while the deploy rolls out) all agree. Idempotent: re-running
-- it changes nothing. API keys stay tenant-wide (project_id null): see docs/projects.md.
INSERT OR IGNORE INTO `projects` (`id`, `tenant_id`, `name`, `description`, `is_default`, `created_at`, `updated_at`)
SELECT 'prj_' || substr(`id`, instr(`id`, '_') + 1), `id`, 'Default', 'Everything made before projects existed, and anything made without naming a project.', 1, `created_at`, `created_at`
FROM `tenants`;
--> statement-breakpoint
UPDATE `agents` SET `project_id` = 'prj_' || substr(`tenant_id`, instr(`tenant_id`, '_') + 1) WHERE `project_id` IS NULL;
--> statement-breakpoint
UPDATE `teams` SET `project_id` = 'prj_' || substr(`tenant_id`, instr(`tenant_id`, '_') + 1) WHERE `project_id` IS NULL;
