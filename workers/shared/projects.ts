/**
 * Project conventions shared by the API, migrations and the dashboard (docs/projects.md).
 *
 * Every tenant has a default project whose id is derived from the tenant id, so it never needs a
 * lookup: the backfill migration (d1-migrations/0008), the API's lazy creation and rows whose
 * `project_id` is still null all name the same project. Browser-safe: no Worker imports.
 */
export const DEFAULT_PROJECT_NAME = "Default";

/** `ten_01ABC…` → `prj_01ABC…`. Mirrors the SQL `'prj_' || substr(id, instr(id, '_') + 1)` of migration 0008. */
export function defaultProjectId(tenantId: string): string {
  return `prj_${tenantId.slice(tenantId.indexOf("_") + 1)}`;
}

/** The project a row belongs to: its `project_id`, or the default project for rows written before projects existed. */
export function projectIdOf(row: { tenantId: string; projectId: string | null }): string {
  return row.projectId ?? defaultProjectId(row.tenantId);
}
