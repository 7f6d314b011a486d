/**
 * Skills (docs/skills.md): the tenant's catalog (core bundle + private registry), publishing
 * custom skills with semantic versions, deprecate and yank, installing on agents, the published
 * manifest JSON Schema, and the dry-run report. Installing grants the skill's network permissions
 * to the agent's egress policy and makes secrets scoped to the skill injectable, so it is an admin
 * action (`skills:install`); publishing only adds to the catalog (`skills:publish`, members too).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { agentSkills, egressRules, secrets, skills, skillVersions, type SkillRow, type SkillVersionRow } from "../../../shared/db/schema";
import { compilePolicy, decideEgress, type EgressRule } from "../../../shared/egress/policy";
import { REASON_TEXT } from "../../../shared/egress/reasons";
import { SkillManifestSchema, type SkillManifest } from "../../../shared/skills/manifest";
import { analyzePackage } from "../../../shared/skills/code/analyze";
import { SKILL_CODE_LIMITS } from "../../../shared/skills/code/limits";
import { codeBytes, codeKeyFor, contentHash, SkillPackageInputSchema, type StoredSkillCode } from "../../../shared/skills/code/package";
import type { ToolDefinition } from "../../../shared/skills/code/tools";
import {
  DryRunInputSchema,
  DryRunReportSchema,
  InstalledSkillSchema,
  InstallSkillInputSchema,
  SkillSchema,
  StatusChangeInputSchema,
} from "../../../shared/schemas/skills";
import { toIso } from "../../../shared/schemas/common";
import type { TrustLevel } from "../../../shared/trust-levels";
import type { AppEnv } from "../env";
import { findAgentInScope } from "../services/agent-scope";
import { ApiError, notFound } from "../http/api-error";
import { actorOf, audit } from "../http/audit";
import { AgentParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { apiPlatformHosts, invalidateEgressGates, invalidateTenantEgress } from "../services/egress";
import { ensureCoreBundle, latestInstallable } from "../services/skills";
import { dryRunTool } from "../skill-runtime/dry-run";

export const skillsRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Skills"];
const nameParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "skillName", in: "path" }, example: "github" });
const versionParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ param: { name: "version", in: "path" }, example: "1.0.0" });
const SkillParams = TenantParams.extend({ skillName: nameParam });
const SkillVersionParams = SkillParams.extend({ version: versionParam });
const AgentSkillParams = AgentParams.extend({ skillName: nameParam });

function toVersion(v: SkillVersionRow) {
  const code =
    v.contentHash && v.tools
      ? { contentHash: v.contentHash, bytes: v.codeBytes ?? 0, tools: v.tools as unknown as ToolDefinition[] }
      : null;
  return {
    version: v.version,
    status: v.status,
    statusMessage: v.statusMessage,
    manifest: v.manifest,
    publishedBy: v.publishedBy,
    publishedAt: toIso(v.publishedAt),
    code,
  };
}

function toSkill(s: SkillRow, versions: SkillVersionRow[]) {
  const mine = versions.filter((v) => v.skillId === s.id).sort((a, b) => b.publishedAt - a.publishedAt || (a.version < b.version ? 1 : -1));
  return {
    id: s.id,
    name: s.name,
    title: s.title,
    description: s.description,
    publisher: s.publisher,
    latestVersion: latestInstallable(mine),
    versions: mine.map(toVersion),
  };
}

async function findSkill(c: Context<AppEnv>, name: string): Promise<{ skill: SkillRow; versions: SkillVersionRow[] }> {
  const db = c.get("db");
  const tenantId = c.get("tenantAccess").tenant.id;
  await ensureCoreBundle(db, tenantId);
  const skill = await db
    .select()
    .from(skills)
    .where(and(eq(skills.tenantId, tenantId), eq(skills.name, name)))
    .get();
  if (!skill) throw notFound("Skill");
  return { skill, versions: await db.select().from(skillVersions).where(eq(skillVersions.skillId, skill.id)).all() };
}

/** The manifest's JSON Schema with the manifest itself at the root (zod files named schemas under `$defs`). */
function manifestJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(SkillManifestSchema, { io: "input", unrepresentable: "any" }) as Record<string, any>;
  const { $defs = {}, $ref, ...rest } = generated;
  const rootName = typeof $ref === "string" ? $ref.replace("#/$defs/", "") : null;
  const root = rootName ? $defs[rootName] : rest;
  const defs = Object.fromEntries(Object.entries($defs).filter(([name]) => name !== rootName));
  return {
    $schema: generated.$schema,
    $id: "https://switchboard.dev/schemas/skill-manifest.json",
    title: "Switchboard skill manifest",
    ...root,
    ...(Object.keys(defs).length ? { $defs: defs } : {}),
  };
}

function parsePackage(raw: unknown): { manifest: SkillManifest; modules: Record<string, string>; tools: ToolDefinition[] } {
  const parsed = SkillPackageInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new ApiError("validation_failed", "The skill package is not valid: `{ manifest, modules, tools }`.", {
      location: "body",
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), code: i.code, message: i.message })),
    });
  const manifest = parseManifest(parsed.data.manifest);
  if (!manifest.handler)
    throw new ApiError(
      "validation_failed",
      'A skill with code names its entry module in the manifest: `handler: { entry, runtime: "workers" }`.',
      { location: "body", issues: [{ path: "manifest.handler", code: "required", message: "Required with modules." }] },
    );
  const bytes = codeBytes(parsed.data.modules);
  if (bytes > SKILL_CODE_LIMITS.maxCodeBytes)
    throw new ApiError("payload_too_large", `A skill's modules are at most ${SKILL_CODE_LIMITS.maxCodeBytes} bytes together.`, {
      maxBytes: SKILL_CODE_LIMITS.maxCodeBytes,
      bytes,
    });
  const analyzed = analyzePackage(parsed.data.modules, manifest.handler.entry);
  if (!analyzed.ok)
    throw new ApiError("validation_failed", "The skill's code cannot be published (docs/skills.md#what-code-may-do).", {
      location: "modules",
      issues: analyzed.problems.map((p) => ({
        path: `modules.${p.module}${p.line ? `:${p.line}` : ""}`,
        code: "code",
        message: p.message,
      })),
    });
  return { manifest, modules: parsed.data.modules, tools: parsed.data.tools };
}

/** Writes the code to R2 under its content hash (idempotent: same content, same key, same bytes). */
async function storeCode(
  env: Env,
  tenantId: string,
  pkg: { manifest: SkillManifest; modules: Record<string, string>; tools: ToolDefinition[] },
) {
  const hash = await contentHash(pkg.manifest, pkg.modules, pkg.tools);
  const key = codeKeyFor(tenantId, hash);
  const stored: StoredSkillCode = {
    format: 1,
    name: pkg.manifest.name,
    version: pkg.manifest.version,
    entry: pkg.manifest.handler!.entry,
    modules: pkg.modules,
    tools: pkg.tools,
  };
  await env.SKILL_CODE.put(key, JSON.stringify(stored), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { tenantId, contentHash: hash },
  });
  return { contentHash: hash, codeKey: key, bytes: codeBytes(pkg.modules) };
}

function parseManifest(raw: unknown): SkillManifest {
  const parsed = SkillManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new ApiError("validation_failed", "The manifest is not valid (see GET /v1/skills/manifest.schema.json).", {
      location: "manifest",
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), code: i.code, message: i.message })),
    });
  return parsed.data;
}

skillsRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/skills/manifest.schema.json",
    tags,
    summary: "The skill manifest format, as JSON Schema (draft 2020-12)",
    responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), "The JSON Schema of a skill manifest.") },
  }),
  (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.json(manifestJsonSchema(), 200);
  },
);

skillsRoutes.openapi(
  defineRoute("skills:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/skills",
    tags,
    summary: "The tenant's skill catalog: the core bundle and its private registry, with every version",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(SkillSchema) }), "Every skill, by name.") },
  }),
  async (c) => {
    const db = c.get("db");
    const tenantId = c.get("tenantAccess").tenant.id;
    await ensureCoreBundle(db, tenantId);
    const [rows, versions] = await db.batch([
      db.select().from(skills).where(eq(skills.tenantId, tenantId)).orderBy(asc(skills.name)),
      db
        .select({ v: skillVersions })
        .from(skillVersions)
        .innerJoin(skills, eq(skills.id, skillVersions.skillId))
        .where(eq(skills.tenantId, tenantId)),
    ]);
    return c.json(
      {
        data: rows.map((s) =>
          toSkill(
            s,
            versions.map((v) => v.v),
          ),
        ),
      },
      200,
    );
  },
);

skillsRoutes.openapi(
  defineRoute("skills:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/skills/{skillName}",
    tags,
    summary: "One skill with every version and its manifest",
    request: { params: SkillParams },
    responses: { 200: jsonResponse(z.object({ skill: SkillSchema }), "The skill.") },
  }),
  async (c) => {
    const { skill, versions } = await findSkill(c, c.req.valid("param").skillName);
    return c.json({ skill: toSkill(skill, versions) }, 200);
  },
);

skillsRoutes.openapi(
  defineRoute("skills:publish", {
    method: "post",
    path: "/v1/tenants/{tenantId}/skills",
    tags,
    summary: "Publish a version of a custom skill to the tenant's private registry",
    description:
      "The body is a manifest (GET /v1/skills/manifest.schema.json), or — for a skill with code — `{ manifest, modules, tools }` (SkillPackageInput: ES modules by relative name, the manifest's `handler.entry` among them, and the tool definitions; docs/skills.md#code). Code is checked before it is stored (imports only of its own modules, no dynamic import, size limits) and kept in R2 under its content hash. A new name creates the skill; an existing custom skill gets a new version. Versions are immutable: publishing an existing version is 409. Core skill names are reserved.",
    request: { params: TenantParams, body: jsonBody(z.record(z.string(), z.unknown()).meta({ description: "A SkillManifest." })) },
    responses: {
      201: jsonResponse(z.object({ skill: SkillSchema }), "Published."),
      409: jsonResponse(z.any(), "`conflict`: the version exists, or the name is a core skill's."),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const pkg = "modules" in body || "tools" in body ? parsePackage(body) : null;
    const manifest = pkg ? pkg.manifest : parseManifest(body);
    if (!pkg && manifest.handler)
      throw new ApiError("validation_failed", "A manifest with a handler ships code: publish `{ manifest, modules, tools }`.", {
        location: "body",
        issues: [{ path: "modules", code: "required", message: "The code of the handler." }],
      });
    const db = c.get("db");
    const tenantId = c.get("tenantAccess").tenant.id;
    await ensureCoreBundle(db, tenantId);
    const code = pkg ? await storeCode(c.env, tenantId, pkg) : null;
    const now = Date.now();
    let skill = await db
      .select()
      .from(skills)
      .where(and(eq(skills.tenantId, tenantId), eq(skills.name, manifest.name)))
      .get();
    if (skill?.publisher === "switchboard")
      throw new ApiError("conflict", `${manifest.name} is a core skill; publish yours under another name.`, { name: manifest.name });
    if (!skill) {
      skill = {
        id: newId("skill", now),
        tenantId,
        name: manifest.name,
        publisher: "tenant",
        title: manifest.title,
        description: manifest.description,
        createdAt: now,
        updatedAt: now,
      };
      await db.insert(skills).values(skill).onConflictDoNothing();
      skill = (await db
        .select()
        .from(skills)
        .where(and(eq(skills.tenantId, tenantId), eq(skills.name, manifest.name)))
        .get())!;
    }
    const row: SkillVersionRow = {
      skillId: skill.id,
      version: manifest.version,
      manifest: manifest as unknown as Record<string, unknown>,
      status: "published",
      statusMessage: null,
      publishedBy: actorOf(c.get("principal")).id,
      publishedAt: now,
      statusChangedAt: null,
      contentHash: code?.contentHash ?? null,
      codeKey: code?.codeKey ?? null,
      codeBytes: code?.bytes ?? null,
      tools: (pkg?.tools as unknown as Array<Record<string, unknown>>) ?? null,
    };
    const inserted = await db.insert(skillVersions).values(row).onConflictDoNothing().returning().get();
    if (!inserted)
      throw new ApiError(
        "conflict",
        `${manifest.name}@${manifest.version} is already published; versions are immutable — publish a new version.`,
        { name: manifest.name, version: manifest.version },
      );
    await db
      .update(skills)
      .set({ title: manifest.title, description: manifest.description, updatedAt: now })
      .where(eq(skills.id, skill.id));
    await audit(c, {
      action: "skill.published",
      target: { type: "skill", id: skill.id },
      details: {
        name: manifest.name,
        version: manifest.version,
        network: manifest.network,
        env: manifest.env.map((e) => e.name),
        files: manifest.files,
        ...(code ? { contentHash: code.contentHash, codeBytes: code.bytes, tools: pkg!.tools.map((t) => t.name) } : {}),
      },
    });
    const versions = await db.select().from(skillVersions).where(eq(skillVersions.skillId, skill.id)).all();
    return c.json({ skill: toSkill({ ...skill, title: manifest.title, description: manifest.description }, versions) }, 201);
  },
);

for (const to of ["deprecated", "yanked"] as const) {
  skillsRoutes.openapi(
    defineRoute("skills:publish", {
      method: "post",
      path: `/v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/${to === "deprecated" ? "deprecate" : "yank"}`,
      tags,
      summary:
        to === "deprecated"
          ? "Deprecate a version: still installable, with a warning"
          : "Yank a version: no new installs; existing installs keep it (and are told)",
      request: { params: SkillVersionParams, body: jsonBody(StatusChangeInputSchema) },
      responses: {
        200: jsonResponse(z.object({ skill: SkillSchema }), "Changed."),
        409: jsonResponse(z.any(), "`conflict`: a core skill, or the version is already in that state (or yanked)."),
      },
    }),
    async (c) => {
      const { skillName, version } = c.req.valid("param");
      const { message } = c.req.valid("json");
      const { skill, versions } = await findSkill(c, skillName);
      const current = versions.find((v) => v.version === version);
      if (!current) throw notFound("Skill version");
      if (skill.publisher === "switchboard")
        throw new ApiError("conflict", "Core skills are maintained by Switchboard; uninstall the skill instead.");
      if (current.status === to || current.status === "yanked")
        throw new ApiError("conflict", `${skillName}@${version} is already ${current.status}.`, { status: current.status });
      const now = Date.now();
      await c
        .get("db")
        .update(skillVersions)
        .set({ status: to, statusMessage: message, statusChangedAt: now })
        .where(and(eq(skillVersions.skillId, skill.id), eq(skillVersions.version, version)));
      await invalidateTenantEgress(c.env, c.get("db"), skill.tenantId);
      await audit(c, {
        action: to === "deprecated" ? "skill.deprecated" : "skill.yanked",
        target: { type: "skill", id: skill.id },
        severity: to === "yanked" ? "warning" : "info",
        details: { name: skillName, version, message },
      });
      return c.json(
        {
          skill: toSkill(
            skill,
            versions.map((v) => (v.version === version ? { ...v, status: to, statusMessage: message } : v)),
          ),
        },
        200,
      );
    },
  );
}

skillsRoutes.openapi(
  defineRoute("skills:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/skills",
    tags,
    summary: "The skills installed on an agent",
    request: { params: AgentParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(InstalledSkillSchema) }), "Installed skills.") },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "skills:read");
    const rows = await c
      .get("db")
      .select({ install: agentSkills, name: skills.name, version: skillVersions })
      .from(agentSkills)
      .innerJoin(skills, eq(skills.id, agentSkills.skillId))
      .innerJoin(skillVersions, and(eq(skillVersions.skillId, agentSkills.skillId), eq(skillVersions.version, agentSkills.version)))
      .where(eq(agentSkills.agentId, agent.id))
      .orderBy(asc(skills.name))
      .all();
    return c.json(
      {
        data: rows.map((r) => ({
          name: r.name,
          version: r.install.version,
          mode: r.install.mode,
          status: r.version.status,
          installedAt: toIso(r.install.installedAt),
          installedBy: r.install.installedBy,
          manifest: r.version.manifest,
        })),
      },
      200,
    );
  },
);

skillsRoutes.openapi(
  defineRoute("skills:install", {
    method: "put",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/skills/{skillName}",
    tags,
    summary: "Install (or change the version or mode of) a skill on an agent",
    description:
      "Grants the version's network permissions to the agent's egress policy and makes secrets scoped to the skill (and declared in its `env`) injectable. Yanked versions cannot be installed; deprecated ones can, with a warning in the answer. Mode defaults to `mock`.",
    request: { params: AgentSkillParams, body: jsonBody(InstallSkillInputSchema) },
    responses: { 200: jsonResponse(z.object({ installed: InstalledSkillSchema, warning: z.string().nullable() }), "Installed.") },
  }),
  async (c) => {
    const { agentId, skillName } = c.req.valid("param");
    const input = c.req.valid("json");
    const agent = await findAgentInScope(c, agentId, "skills:install");
    const { skill, versions } = await findSkill(c, skillName);
    const version = input.version ?? latestInstallable(versions);
    const chosen = versions.find((v) => v.version === version);
    if (!version || !chosen)
      throw new ApiError(
        "validation_failed",
        version ? `${skillName} has no version ${version}.` : `${skillName} has no installable version.`,
        { issues: [{ path: "version", code: "unknown_version", message: "No such version." }] },
      );
    if (chosen.status === "yanked")
      throw new ApiError(
        "conflict",
        `${skillName}@${version} was yanked: ${chosen.statusMessage ?? "no reason given"}. Install another version.`,
        { status: "yanked" },
      );
    const db = c.get("db");
    const now = Date.now();
    const by = actorOf(c.get("principal")).id;
    const before = await db
      .select()
      .from(agentSkills)
      .where(and(eq(agentSkills.agentId, agent.id), eq(agentSkills.skillId, skill.id)))
      .get();
    const mode = input.mode ?? before?.mode ?? "mock";
    await db
      .insert(agentSkills)
      .values({ agentId: agent.id, skillId: skill.id, tenantId: agent.tenantId, version, mode, installedBy: by, installedAt: now })
      .onConflictDoUpdate({
        target: [agentSkills.agentId, agentSkills.skillId],
        set: { version, mode, installedBy: by, installedAt: now },
      });
    await invalidateEgressGates(c.env, [agent.id]);
    const manifest = parseManifest(chosen.manifest);
    await audit(c, {
      action: "skill.installed",
      target: { type: "agent", id: agent.id },
      severity: mode === "live" ? "warning" : "info",
      details: {
        skill: skillName,
        version,
        mode,
        from: before ? { version: before.version, mode: before.mode } : null,
        network: manifest.network,
        env: manifest.env.map((e) => e.name),
      },
    });
    return c.json(
      {
        installed: {
          name: skillName,
          version,
          mode,
          status: chosen.status,
          installedAt: toIso(now),
          installedBy: by,
          manifest: chosen.manifest,
        },
        warning: chosen.status === "deprecated" ? `${skillName}@${version} is deprecated: ${chosen.statusMessage ?? ""}`.trim() : null,
      },
      200,
    );
  },
);

skillsRoutes.openapi(
  defineRoute("skills:install", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/skills/{skillName}",
    tags,
    summary: "Uninstall a skill from an agent (its network permissions and secrets stop applying at once)",
    request: { params: AgentSkillParams },
    responses: { 204: { description: "Uninstalled." } },
  }),
  async (c) => {
    const { agentId, skillName } = c.req.valid("param");
    const agent = await findAgentInScope(c, agentId, "skills:install");
    const { skill } = await findSkill(c, skillName);
    const removed = await c
      .get("db")
      .delete(agentSkills)
      .where(and(eq(agentSkills.agentId, agent.id), eq(agentSkills.skillId, skill.id)))
      .returning()
      .get();
    if (!removed) throw notFound("Installed skill");
    await invalidateEgressGates(c.env, [agent.id]);
    await audit(c, {
      action: "skill.uninstalled",
      target: { type: "agent", id: agent.id },
      details: { skill: skillName, version: removed.version },
    });
    return c.body(null, 204);
  },
);

skillsRoutes.openapi(
  defineRoute("skills:read", {
    method: "post",
    path: "/v1/tenants/{tenantId}/skills/dry-run",
    tags,
    summary: "Dry-run a skill: every call it would make, judged allow/deny under the tenant's current policy, with no side effects",
    description:
      "Takes a manifest (unpublished) or a catalog skill, and its declared calls (one probe per network permission and method, plus each declared mock) or the calls you give (a recorded session). Judges each with the proxy's own decision function against the skill's network permissions minus the tenant's deny rules, at the agent's trust level (or the tenant's default). Reports which declared secrets exist for the skill. Nothing is sent, installed or audited.",
    request: { params: TenantParams, body: jsonBody(DryRunInputSchema) },
    responses: { 200: jsonResponse(DryRunReportSchema, "The report.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const db = c.get("db");
    const { tenant } = c.get("tenantAccess");
    let manifest: SkillManifest;
    let versionRow: SkillVersionRow | null = null;
    if (input.manifest) manifest = parseManifest(input.manifest);
    else {
      const { versions } = await findSkill(c, input.skill!);
      const version = input.version ?? latestInstallable(versions);
      const row = versions.find((v) => v.version === version);
      if (!row) throw notFound("Skill version");
      manifest = parseManifest(row.manifest);
      versionRow = row;
    }
    if (input.tool !== undefined && !versionRow)
      throw new ApiError("validation_failed", "Running a tool needs a published skill: give `skill` (and `version`), not `manifest`.", {
        issues: [{ path: "tool", code: "needs_skill", message: "Only with `skill`." }],
      });
    const trustLevel = (
      input.agentId ? (await findAgentInScope(c, input.agentId, "skills:read")).trustLevel : tenant.config.defaultTrustLevel
    ) as TrustLevel;
    const [denyRows, secretRows] = await db.batch([
      db
        .select()
        .from(egressRules)
        .where(and(eq(egressRules.tenantId, tenant.id), isNull(egressRules.agentId))),
      db
        .select()
        .from(secrets)
        .where(and(eq(secrets.tenantId, tenant.id), isNull(secrets.deletedAt))),
    ]);
    const rules: EgressRule[] = [
      ...manifest.network.map(
        (n, i): EgressRule => ({
          id: `skill:${manifest.name}@${manifest.version}#${i}`,
          effect: "allow",
          host: n.host,
          methods: n.methods ?? null,
          pathPrefix: n.pathPrefix ?? null,
          schemes: n.schemes ?? ["https"],
          source: { type: "skill", skill: manifest.name, version: manifest.version },
        }),
      ),
      ...denyRows.map(
        (r): EgressRule => ({
          id: r.id,
          effect: "deny",
          host: r.host,
          methods: r.methods,
          pathPrefix: r.pathPrefix,
          schemes: r.schemes,
          source: { type: "tenant" },
        }),
      ),
    ];
    const policy = compilePolicy(rules);
    const calls: Array<{ method: string; url: string; source: "declared" | "mock" | "given" }> = input.calls
      ? input.calls.map((x) => ({ ...x, source: "given" as const }))
      : [
          ...manifest.network.flatMap((n) =>
            (n.methods ?? ["GET"]).map((method) => ({
              method,
              url: `${(n.schemes ?? ["https"])[0]}://${n.host.startsWith("*.") ? `example.${n.host.slice(2)}` : n.host}${n.pathPrefix ?? "/"}`,
              source: "declared" as const,
            })),
          ),
          ...manifest.mocks.map((m) => ({ method: m.method ?? "GET", url: m.url, source: "mock" as const })),
        ];
    const platformHosts = apiPlatformHosts(c.req.url, c.env.ALLOWED_ORIGINS);
    const judged = calls.map((call) => {
      const v = decideEgress(policy, { method: call.method, url: call.url, trustLevel }, { platformHosts });
      return {
        method: call.method.toUpperCase(),
        url: call.url,
        decision: v.decision,
        reason: v.reason,
        message: REASON_TEXT[v.reason],
        detail: v.decision === "deny" ? v.detail : null,
        source: call.source,
      };
    });
    const now = Date.now();
    const env = manifest.env.map((e) => {
      const secret = secretRows.find((s) => s.name === e.name && "skills" in s.scope && s.scope.skills.includes(manifest.name));
      return {
        name: e.name,
        required: e.required ?? true,
        secret: secret
          ? { id: secret.id, status: secret.expiresAt !== null && secret.expiresAt <= now ? ("expired" as const) : ("active" as const) }
          : null,
      };
    });
    const run =
      input.tool !== undefined && versionRow
        ? await dryRunTool(c.env, versionRow, manifest, {
            tool: input.tool,
            input: input.input,
            rules,
            trustLevel,
            platformHosts,
            given: input.responses ?? [],
          })
        : null;
    return c.json(
      {
        skill: manifest.name,
        version: manifest.version,
        trustLevel,
        run,
        calls: judged,
        env,
        summary: {
          allowed: judged.filter((j) => j.decision === "allow").length,
          denied: judged.filter((j) => j.decision === "deny").length,
          missingSecrets: env.filter((e) => e.required && (!e.secret || e.secret.status !== "active")).map((e) => e.name),
        },
      },
      200,
    );
  },
);
