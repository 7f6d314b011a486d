/**
 * A tenant's Cedar policy sets in D1 (policy_versions, tenant_policy_settings): append-only
 * versions, like tenant config (routes/tenants.ts). A save's version number is the newest + 1 and
 * the (tenant, version) primary key is unique, so of two racing saves exactly one lands and the
 * other gets 409 `version_conflict`.
 */
import { and, desc, eq, lt } from "drizzle-orm";
import type { Database } from "../../../../shared/db/client";
import { policyVersions, tenantPolicySettings, type PolicyVersionRow } from "../../../../shared/db/schema";
import { toIso } from "../../../../shared/schemas/common";
import type { PolicyVersion } from "../../../../shared/schemas/policies";
import { ApiError, notFound } from "../../http/api-error";

export const toPolicyVersion = (v: PolicyVersionRow): PolicyVersion => ({
  version: v.version,
  message: v.message,
  rolledBackFrom: v.rolledBackFrom,
  createdBy: v.createdBy,
  createdAt: toIso(v.createdAt),
  text: v.text,
});

export async function latestVersion(db: Database, tenantId: string): Promise<PolicyVersionRow | null> {
  return (
    (await db
      .select()
      .from(policyVersions)
      .where(eq(policyVersions.tenantId, tenantId))
      .orderBy(desc(policyVersions.version))
      .limit(1)
      .get()) ?? null
  );
}

export async function findVersion(db: Database, tenantId: string, version: number): Promise<PolicyVersionRow> {
  const row = await db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.tenantId, tenantId), eq(policyVersions.version, version)))
    .get();
  if (!row) throw notFound(`Policy version ${version}`);
  return row;
}

export async function listVersions(db: Database, tenantId: string, before: number | undefined, limit: number): Promise<PolicyVersionRow[]> {
  return db
    .select()
    .from(policyVersions)
    .where(and(eq(policyVersions.tenantId, tenantId), before !== undefined ? lt(policyVersions.version, before) : undefined))
    .orderBy(desc(policyVersions.version))
    .limit(limit + 1)
    .all();
}

export async function writeVersion(
  db: Database,
  tenantId: string,
  next: { text: string; message: string; rolledBackFrom: number | null; createdBy: string | null; expectedVersion?: number },
): Promise<PolicyVersionRow> {
  const current = (await latestVersion(db, tenantId))?.version ?? 0;
  if (next.expectedVersion !== undefined && next.expectedVersion !== current) throw versionConflict(next.expectedVersion, current);
  const row: PolicyVersionRow = {
    tenantId,
    version: current + 1,
    text: next.text,
    message: next.message,
    rolledBackFrom: next.rolledBackFrom,
    createdBy: next.createdBy,
    createdAt: Date.now(),
  };
  try {
    await db.insert(policyVersions).values(row);
  } catch (err) {
    if (String(err).includes("UNIQUE") || String(err).includes("PRIMARY KEY")) throw versionConflict(current, null);
    throw err;
  }
  return row;
}

export async function loadSettings(db: Database, tenantId: string) {
  return (await db.select().from(tenantPolicySettings).where(eq(tenantPolicySettings.tenantId, tenantId)).get()) ?? null;
}

export async function saveSettings(db: Database, tenantId: string, enabled: boolean, userId: string | null): Promise<void> {
  const now = Date.now();
  await db
    .insert(tenantPolicySettings)
    .values({ tenantId, cedarEnabled: enabled, updatedBy: userId, updatedAt: now })
    .onConflictDoUpdate({ target: tenantPolicySettings.tenantId, set: { cedarEnabled: enabled, updatedBy: userId, updatedAt: now } });
}

function versionConflict(expected: number, current: number | null) {
  return new ApiError("version_conflict", "The policy set changed since you loaded it. Reload and apply your change again.", {
    expectedVersion: expected,
    ...(current !== null ? { currentVersion: current } : {}),
  });
}
