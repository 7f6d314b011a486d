/**
 * What an agent's EgressGate knows, loaded from D1 in one batch and compiled once: the agent's
 * status, trust level and mode; its policy (agent rules ∪ installed skills' network − tenant deny
 * rules) and one policy per installed skill (that skill's network − tenant deny rules, used for
 * calls made in the skill's name); the credentials it may have injected; the mock responses its
 * skills declare. Reloaded when the API says something changed (`invalidate`) and at most
 * STATE_TTL_MS after loading, so a missed push heals by itself.
 */
import { and, eq, isNull, or } from "drizzle-orm";
import { createDb } from "../../workers/shared/db/client";
import {
  agentEgress,
  agents,
  agentSkills,
  egressRules,
  secrets,
  secretVersions,
  skills,
  skillVersions,
  tenants,
  vaultKeys,
  type SecretInjection,
  type SecretScope,
} from "../../workers/shared/db/schema";
import { compilePolicy, type CompiledPolicy, type EgressRule } from "../../workers/shared/egress/policy";
import type { GuardrailPolicy } from "../../workers/shared/guardrails/policy";
import { guardrailPolicyOf } from "../../workers/shared/guardrails/tenant-policy";
import { SkillManifestSchema, type SkillManifest } from "../../workers/shared/skills/manifest";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import { safeModeHoldSql } from "../../workers/shared/governance/safe-mode";
import { activePolicyQuery, agentTeamsQuery, type ActivePolicy } from "../../workers/shared/policy/tenant-policy";

export const STATE_TTL_MS = 60_000;

export interface CredentialSpec {
  secretId: string;
  name: string;
  host: string;
  pathPrefix: string | null;
  methods: string[] | null;
  injection: SecretInjection;
  scope: SecretScope;
  version: number;
  ciphertext: string;
  expiresAt: number | null;
  createdAt: number;
}

export interface InstalledSkill {
  name: string;
  version: string;
  mode: "mock" | "live";
  manifest: SkillManifest;
  policy: CompiledPolicy;
}

export interface GateState {
  agentId: string;
  tenantId: string;
  status: "active" | "suspended" | "deleted";
  /** The scope_id of a safe mode holding the agent (its tenant's or one of its teams'), or null. */
  safeMode: string | null;
  trustLevel: TrustLevel;
  mode: "mock" | "live";
  policy: CompiledPolicy;
  skills: Map<string, InstalledSkill>;
  credentials: CredentialSpec[];
  vaultKey: { id: string; tenantId: string; kekId: string; wrappedKey: string } | null;
  /** The tenant's guardrail policy (config.guardrails): reaches the gate within STATE_TTL_MS of a change. */
  guardrails: GuardrailPolicy;
  /** The tenant's Cedar set when it turned Cedar on (null: native policy only, no policy Worker call). */
  cedar: ActivePolicy | null;
  /** The agent's teams (Cedar: `principal in Switchboard::Team::"…"`). */
  teams: string[];
  loadedAt: number;
}

export async function loadGateState(env: Pick<Env, "DB">, agentId: string, now = Date.now()): Promise<GateState | null> {
  const db = createDb(env.DB);
  const agent = await db
    .select({
      tenantId: agents.tenantId,
      status: agents.status,
      deletedAt: agents.deletedAt,
      trustLevel: agents.trustLevel,
      tenantDeletedAt: tenants.deletedAt,
      tenantConfig: tenants.config,
      safeMode: safeModeHoldSql(agents.id, agents.tenantId),
    })
    .from(agents)
    .innerJoin(tenants, eq(tenants.id, agents.tenantId))
    .where(eq(agents.id, agentId))
    .get();
  if (!agent) return null;
  const tenantId = agent.tenantId;
  const [modeRow, ruleRows, skillRows, secretRows, keyRow, cedarRow, teamRows] = await db.batch([
    db.select({ mode: agentEgress.mode }).from(agentEgress).where(eq(agentEgress.agentId, agentId)),
    db
      .select()
      .from(egressRules)
      .where(and(eq(egressRules.tenantId, tenantId), or(eq(egressRules.agentId, agentId), isNull(egressRules.agentId)))),
    db
      .select({ name: skills.name, version: agentSkills.version, mode: agentSkills.mode, manifest: skillVersions.manifest })
      .from(agentSkills)
      .innerJoin(skills, eq(skills.id, agentSkills.skillId))
      .innerJoin(skillVersions, and(eq(skillVersions.skillId, agentSkills.skillId), eq(skillVersions.version, agentSkills.version)))
      .where(eq(agentSkills.agentId, agentId)),
    db
      .select({ secret: secrets, ciphertext: secretVersions.ciphertext })
      .from(secrets)
      .innerJoin(secretVersions, and(eq(secretVersions.secretId, secrets.id), eq(secretVersions.version, secrets.currentVersion)))
      .where(and(eq(secrets.tenantId, tenantId), isNull(secrets.deletedAt))),
    db.select().from(vaultKeys).where(eq(vaultKeys.tenantId, tenantId)),
    activePolicyQuery(db, tenantId),
    agentTeamsQuery(db, agentId),
  ]);

  const toRule = (r: (typeof ruleRows)[number]): EgressRule => ({
    id: r.id,
    effect: r.effect,
    host: r.host,
    methods: r.methods,
    pathPrefix: r.pathPrefix,
    schemes: r.schemes,
    source: r.agentId ? { type: "agent" } : { type: "tenant" },
  });
  const denyRules = ruleRows.filter((r) => r.effect === "deny" && r.agentId === null).map(toRule);
  const agentRules = ruleRows.filter((r) => r.effect === "allow" && r.agentId === agentId).map(toRule);

  const installed = new Map<string, InstalledSkill>();
  const skillRules: EgressRule[] = [];
  for (const row of skillRows) {
    const parsed = SkillManifestSchema.safeParse(row.manifest);
    if (!parsed.success) continue; // a manifest that no longer validates grants nothing
    const rules = parsed.data.network.map(
      (n, i): EgressRule => ({
        id: `skill:${row.name}@${row.version}#${i}`,
        effect: "allow",
        host: n.host,
        methods: n.methods ?? null,
        pathPrefix: n.pathPrefix ?? null,
        schemes: n.schemes ?? ["https"],
        source: { type: "skill", skill: row.name, version: row.version },
      }),
    );
    skillRules.push(...rules);
    installed.set(row.name, {
      name: row.name,
      version: row.version,
      mode: row.mode,
      manifest: parsed.data,
      policy: compilePolicy([...rules, ...denyRules]),
    });
  }

  const credentials: CredentialSpec[] = secretRows
    .filter(({ secret }) =>
      "agents" in secret.scope
        ? secret.scope.agents.includes(agentId)
        : secret.scope.skills.some((s) => installed.get(s)?.manifest.env.some((e) => e.name === secret.name)),
    )
    .map(({ secret, ciphertext }) => ({
      secretId: secret.id,
      name: secret.name,
      host: secret.host,
      pathPrefix: secret.pathPrefix,
      methods: secret.methods,
      injection: secret.injection,
      scope: secret.scope,
      version: secret.currentVersion,
      ciphertext,
      expiresAt: secret.expiresAt,
      createdAt: secret.createdAt,
    }));

  return {
    agentId,
    tenantId,
    status: agent.deletedAt !== null || agent.tenantDeletedAt !== null ? "deleted" : agent.status,
    safeMode: agent.safeMode,
    trustLevel: agent.trustLevel as TrustLevel,
    mode: modeRow[0]?.mode ?? "mock",
    policy: compilePolicy([...agentRules, ...skillRules, ...denyRules]),
    skills: installed,
    credentials,
    vaultKey: keyRow[0] ?? null,
    guardrails: guardrailPolicyOf(agent.tenantConfig),
    cedar: cedarRow[0] ?? null,
    teams: teamRows.map((t) => t.teamId),
    loadedAt: now,
  };
}
