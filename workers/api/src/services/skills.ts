/**
 * Skills in D1: the core bundle's copy in each tenant's catalog, and which version is "latest".
 */
import { and, eq } from "drizzle-orm";
import type { Database } from "../../../shared/db/client";
import { skills, skillVersions, type SkillVersionRow } from "../../../shared/db/schema";
import { CORE_BUNDLE } from "../../../shared/skills/core-bundle";
import { compareSemver, SkillManifestSchema } from "../../../shared/skills/manifest";
import { CORE_CODE } from "../../../shared/skills/core-code";

/** The code columns of a core version that ships code (the code itself is in the Worker's bundle). */
function coreCodeColumns(key: string) {
  const core = CORE_CODE[key];
  return core
    ? {
        contentHash: core.contentHash,
        codeKey: `core:${key}`,
        codeBytes: core.codeBytes,
        tools: core.code.tools as unknown as Array<Record<string, unknown>>,
      }
    : {};
}

/**
 * Statements that put the core bundle into a tenant's catalog (idempotent: `INSERT OR IGNORE` on
 * the unique (tenant, name) and (skill, version) keys), for the tenant-creation batch.
 */
export function coreBundleStatements(db: Database, tenantId: string, now: number) {
  return CORE_BUNDLE.flatMap((input) => {
    const manifest = SkillManifestSchema.parse(input);
    // The skill id is derived from tenant and name, so the version row can reference it in the same batch.
    const id = `skl_core_${manifest.name}_${tenantId}`;
    return [
      db
        .insert(skills)
        .values({
          id,
          tenantId,
          name: manifest.name,
          publisher: "switchboard",
          title: manifest.title,
          description: manifest.description,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
      db
        .insert(skillVersions)
        .values({
          skillId: id,
          version: manifest.version,
          manifest: manifest as unknown as Record<string, unknown>,
          status: "published",
          publishedBy: null,
          publishedAt: now,
          ...coreCodeColumns(`${manifest.name}@${manifest.version}`),
        })
        .onConflictDoNothing(),
    ];
  });
}

/** Tops up a tenant's catalog with core skills (or versions) added since it was created. Cheap when nothing is missing (two reads). */
export async function ensureCoreBundle(db: Database, tenantId: string): Promise<void> {
  const have = await db
    .select({ name: skills.name, version: skillVersions.version })
    .from(skills)
    .innerJoin(skillVersions, eq(skillVersions.skillId, skills.id))
    .where(and(eq(skills.tenantId, tenantId), eq(skills.publisher, "switchboard")))
    .all();
  const missing = CORE_BUNDLE.some((m) => !have.some((h) => h.name === m.name && h.version === m.version));
  if (!missing) return;
  const [first, ...rest] = coreBundleStatements(db, tenantId, Date.now());
  await db.batch([first!, ...rest]);
}

/** The version installs get by default: the highest not yanked, preferring releases over pre-releases. */
export function latestInstallable(versions: Pick<SkillVersionRow, "version" | "status">[]): string | null {
  const candidates = versions.filter((v) => v.status !== "yanked").map((v) => v.version);
  const releases = candidates.filter((v) => !v.includes("-"));
  const pool = releases.length ? releases : candidates;
  return pool.sort(compareSemver).at(-1) ?? null;
}
