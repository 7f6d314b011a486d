/**
 * Egress administration: an agent's rules and mode, the tenant's deny rules, "test a URL" (the
 * proxy's own decision, no side effects) and an agent's egress activity (its `egress.*` audit
 * events). Every change is audited and pushed to the affected EgressGates before the answer.
 * Contract: docs/egress.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, isNull, or } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { agentEgress, agentSkills, egressRules, skills, skillVersions, type EgressRuleRow } from "../../../shared/db/schema";
import { REASON_TEXT } from "../../../shared/egress/reasons";
import { SkillManifestSchema } from "../../../shared/skills/manifest";
import {
  AgentEgressSchema,
  CreateEgressRuleInputSchema,
  EgressDecisionSchema,
  EgressRuleSchema,
  EgressTestInputSchema,
  SetEgressModeInputSchema,
} from "../../../shared/schemas/egress";
import { LedgerEntrySchema } from "../../../shared/schemas/audit";
import { pageOf, PageQuerySchema } from "../../../shared/schemas/common";
import { TRUST_LEVELS } from "../../../shared/trust-levels";
import type { AppEnv } from "../env";
import { findAgentInScope } from "../services/agent-scope";
import { ApiError, notFound } from "../http/api-error";
import { actorOf, audit } from "../http/audit";
import { decodeCursor, toPage } from "../http/pagination";
import { AgentParams, TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { apiPlatformHosts, invalidateEgressGates, invalidateTenantEgress, toEgressRule } from "../services/egress";
import { listEntries } from "../services/audit-query";

export const egressRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Egress"];
const MAX_RULES_PER_AGENT = 200;
const MAX_DENY_RULES = 500;
const RuleParams = AgentParams.extend({
  egressRuleId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "egressRuleId", in: "path" }, example: "egr_01JD0000000000000000000000" }),
});
const DenyRuleParams = TenantParams.extend({
  denyRuleId: z
    .string()
    .min(1)
    .max(64)
    .meta({ param: { name: "denyRuleId", in: "path" }, example: "egr_01JD0000000000000000000000" }),
});
const RuleEnvelope = z.object({ rule: EgressRuleSchema });

function ruleRow(
  c: Context<AppEnv>,
  agentId: string | null,
  effect: "allow" | "deny",
  input: z.infer<typeof CreateEgressRuleInputSchema>,
): EgressRuleRow {
  const principal = c.get("principal");
  return {
    id: newId("egressRule"),
    tenantId: c.get("tenantAccess").tenant.id,
    agentId,
    effect,
    host: input.host,
    methods: input.methods ? [...new Set(input.methods)] : null,
    pathPrefix: input.pathPrefix ?? null,
    // A deny rule covers both schemes unless it names one.
    schemes: input.schemes ? [...new Set(input.schemes)] : effect === "deny" ? ["https", "http"] : ["https"],
    description: input.description ?? "",
    createdBy: actorOf(principal).id,
    createdAt: Date.now(),
  };
}

egressRoutes.openapi(
  defineRoute("egress:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress",
    tags,
    summary: "An agent's egress: mode, trust-level methods and limits, rules, installed skills' network and the tenant's deny rules",
    request: { params: AgentParams },
    responses: { 200: jsonResponse(AgentEgressSchema, "The agent's egress policy, as the proxy compiles it.") },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "egress:read");
    const db = c.get("db");
    const [modeRows, rules, installed] = await db.batch([
      db.select().from(agentEgress).where(eq(agentEgress.agentId, agent.id)),
      db
        .select()
        .from(egressRules)
        .where(and(eq(egressRules.tenantId, agent.tenantId), or(eq(egressRules.agentId, agent.id), isNull(egressRules.agentId))))
        .orderBy(egressRules.id),
      db
        .select({ name: skills.name, version: agentSkills.version, mode: agentSkills.mode, manifest: skillVersions.manifest })
        .from(agentSkills)
        .innerJoin(skills, eq(skills.id, agentSkills.skillId))
        .innerJoin(skillVersions, and(eq(skillVersions.skillId, agentSkills.skillId), eq(skillVersions.version, agentSkills.version)))
        .where(eq(agentSkills.agentId, agent.id)),
    ]);
    const level = TRUST_LEVELS[agent.trustLevel] ?? TRUST_LEVELS[0]!;
    return c.json(
      {
        agentId: agent.id,
        mode: modeRows[0]?.mode ?? "mock",
        trustLevel: agent.trustLevel,
        methods: [...level.egressMethods],
        limits: { requestsPerMinute: level.egressRequestsPerMinute, burst: level.egressBurst, concurrency: level.egressConcurrency },
        rules: rules.filter((r) => r.agentId === agent.id).map(toEgressRule),
        skills: installed.map((s) => {
          const manifest = SkillManifestSchema.safeParse(s.manifest);
          return {
            name: s.name,
            version: s.version,
            mode: s.mode,
            network: manifest.success
              ? manifest.data.network.map((n) => ({
                  host: n.host,
                  ...(n.methods ? { methods: n.methods } : {}),
                  ...(n.pathPrefix ? { pathPrefix: n.pathPrefix } : {}),
                }))
              : [],
          };
        }),
        denyRules: rules.filter((r) => r.agentId === null).map(toEgressRule),
      },
      200,
    );
  },
);

egressRoutes.openapi(
  defineRoute("egress:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress/rules",
    tags,
    summary: "Grant an agent an egress rule (a host or *.zone, optional methods, path prefix and schemes)",
    request: { params: AgentParams, body: jsonBody(CreateEgressRuleInputSchema) },
    responses: {
      201: jsonResponse(RuleEnvelope, "Granted; the agent's next call uses it."),
      409: jsonResponse(z.any(), "`conflict`: the agent has the maximum number of rules."),
    },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "egress:write");
    const db = c.get("db");
    const count = await db.$count(egressRules, eq(egressRules.agentId, agent.id));
    if (count >= MAX_RULES_PER_AGENT)
      throw new ApiError("conflict", `An agent can have at most ${MAX_RULES_PER_AGENT} egress rules.`, { max: MAX_RULES_PER_AGENT });
    const row = ruleRow(c, agent.id, "allow", c.req.valid("json"));
    await db.insert(egressRules).values(row);
    await invalidateEgressGates(c.env, [agent.id]);
    await audit(c, {
      action: "egress.rule_granted",
      target: { type: "agent", id: agent.id },
      severity: "warning",
      details: { ruleId: row.id, host: row.host, methods: row.methods, pathPrefix: row.pathPrefix, schemes: row.schemes },
    });
    return c.json({ rule: toEgressRule(row) }, 201);
  },
);

egressRoutes.openapi(
  defineRoute("egress:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress/rules/{egressRuleId}",
    tags,
    summary: "Remove an agent's egress rule (effective on its next call)",
    request: { params: RuleParams },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { agentId, egressRuleId: ruleId } = c.req.valid("param");
    const agent = await findAgentInScope(c, agentId, "egress:write");
    const removed = await c
      .get("db")
      .delete(egressRules)
      .where(and(eq(egressRules.id, ruleId), eq(egressRules.agentId, agent.id), eq(egressRules.tenantId, agent.tenantId)))
      .returning()
      .get();
    if (!removed) throw notFound("Egress rule");
    await invalidateEgressGates(c.env, [agent.id]);
    await audit(c, { action: "egress.rule_revoked", target: { type: "agent", id: agent.id }, details: { ruleId, host: removed.host } });
    return c.body(null, 204);
  },
);

egressRoutes.openapi(
  defineRoute("egress:write", {
    method: "put",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress/mode",
    tags,
    summary: "Switch an agent between mock (nothing leaves) and live egress",
    description: "Agents start in `mock`. Switching to `live` is an audited admin action (severity warning).",
    request: { params: AgentParams, body: jsonBody(SetEgressModeInputSchema) },
    responses: { 200: jsonResponse(z.object({ agentId: z.string(), mode: z.enum(["mock", "live"]), changed: z.boolean() }), "The mode.") },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "egress:write");
    const { mode } = c.req.valid("json");
    const db = c.get("db");
    const before =
      (await db.select({ mode: agentEgress.mode }).from(agentEgress).where(eq(agentEgress.agentId, agent.id)).get())?.mode ?? "mock";
    if (before === mode) return c.json({ agentId: agent.id, mode, changed: false }, 200);
    const now = Date.now();
    const by = actorOf(c.get("principal")).id;
    await db
      .insert(agentEgress)
      .values({ agentId: agent.id, tenantId: agent.tenantId, mode, updatedBy: by, updatedAt: now })
      .onConflictDoUpdate({ target: agentEgress.agentId, set: { mode, updatedBy: by, updatedAt: now } });
    await invalidateEgressGates(c.env, [agent.id]);
    await audit(c, {
      action: "egress.mode_changed",
      target: { type: "agent", id: agent.id },
      severity: mode === "live" ? "warning" : "info",
      details: { from: before, to: mode },
    });
    return c.json({ agentId: agent.id, mode, changed: true }, 200);
  },
);

egressRoutes.openapi(
  defineRoute("egress:read", {
    method: "post",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress/test",
    tags,
    summary: "Test a URL: would the proxy let this agent call it, and why",
    description:
      "Runs the proxy's own decision (SSRF guard, tenant deny rules, the agent's rules and installed skills, trust level) against the agent's current policy. Nothing is sent, no limit is consumed, nothing is audited. Names the secret that would be injected, never its value.",
    request: { params: AgentParams, body: jsonBody(EgressTestInputSchema) },
    responses: { 200: jsonResponse(EgressDecisionSchema, "The decision.") },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "egress:read");
    const { url, method, skill } = c.req.valid("json");
    const gate = c.env.EGRESS_GATE.get(c.env.EGRESS_GATE.idFromName(agent.id));
    const result = await gate.evaluate({
      agentId: agent.id,
      tenantId: agent.tenantId,
      method,
      url,
      skill: skill ?? null,
      platformHosts: apiPlatformHosts(c.req.url, c.env.ALLOWED_ORIGINS),
    });
    const v = result.verdict;
    return c.json(
      {
        decision: v.decision,
        reason: v.reason,
        message: v.reason === "wrong_tenant" ? "Not this tenant's agent." : REASON_TEXT[v.reason],
        detail: v.decision === "deny" ? v.detail : null,
        ruleId: ("ruleId" in v ? v.ruleId : null) ?? null,
        mode: result.mode,
        credential: result.credential,
      },
      200,
    );
  },
);

const ActivityQuerySchema = PageQuerySchema.extend({
  outcome: z.enum(["allowed", "denied"]).optional().meta({ description: "Only allowed or only denied calls." }),
});

egressRoutes.openapi(
  defineRoute("egress:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/agents/{agentId}/egress/activity",
    tags,
    summary: "An agent's egress calls (its egress.request_* audit events), newest first",
    description: "Events reach the audit trail in batches, about a second after the call.",
    request: { params: AgentParams, query: ActivityQuerySchema },
    responses: { 200: jsonResponse(pageOf(LedgerEntrySchema, "EgressActivityPage"), "A page of audit entries.") },
  }),
  async (c) => {
    const agent = await findAgentInScope(c, c.req.valid("param").agentId, "egress:read");
    const { limit, cursor, outcome } = c.req.valid("query");
    const after = decodeCursor(cursor, "number");
    // Read through the tenant's ledger like every audit reader. Without an outcome, both actions are
    // the ones containing "egress.request_" (the list's `q`, matched literally).
    const action = outcome === "allowed" ? "egress.request_allowed" : outcome === "denied" ? "egress.request_denied" : undefined;
    const rows = await listEntries(
      c.env,
      agent.tenantId,
      { limit, actorType: "agent", actorId: agent.id, ...(action ? { action } : { q: "egress.request_" }) },
      after,
    );
    return c.json(
      toPage(
        rows,
        limit,
        (e) => e,
        (e) => e.seq,
      ),
      200,
    );
  },
);

// ── Tenant deny rules ──────────────────────────────────────────────────────────────────────────

egressRoutes.openapi(
  defineRoute("egress:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/egress/deny-rules",
    tags,
    summary: "The tenant's egress deny rules (subtracted from every agent's policy)",
    request: { params: TenantParams },
    responses: { 200: jsonResponse(z.object({ data: z.array(EgressRuleSchema) }), "Every deny rule.") },
  }),
  async (c) => {
    const rows = await c
      .get("db")
      .select()
      .from(egressRules)
      .where(and(eq(egressRules.tenantId, c.get("tenantAccess").tenant.id), isNull(egressRules.agentId)))
      .orderBy(egressRules.id)
      .all();
    return c.json({ data: rows.map(toEgressRule) }, 200);
  },
);

egressRoutes.openapi(
  defineRoute("egress:write", {
    method: "post",
    path: "/v1/tenants/{tenantId}/egress/deny-rules",
    tags,
    summary: "Add a tenant deny rule: no agent or skill reaches this host (or these methods/paths on it)",
    request: { params: TenantParams, body: jsonBody(CreateEgressRuleInputSchema) },
    responses: { 201: jsonResponse(RuleEnvelope, "Added; every agent's next call is checked against it.") },
  }),
  async (c) => {
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const count = await db.$count(egressRules, and(eq(egressRules.tenantId, tenant.id), isNull(egressRules.agentId)));
    if (count >= MAX_DENY_RULES)
      throw new ApiError("conflict", `A tenant can have at most ${MAX_DENY_RULES} deny rules.`, { max: MAX_DENY_RULES });
    const row = ruleRow(c, null, "deny", c.req.valid("json"));
    await db.insert(egressRules).values(row);
    await invalidateTenantEgress(c.env, db, tenant.id);
    await audit(c, {
      action: "egress.deny_rule_added",
      target: { type: "tenant", id: tenant.id },
      details: { ruleId: row.id, host: row.host, methods: row.methods, pathPrefix: row.pathPrefix },
    });
    return c.json({ rule: toEgressRule(row) }, 201);
  },
);

egressRoutes.openapi(
  defineRoute("egress:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/egress/deny-rules/{denyRuleId}",
    tags,
    summary: "Remove a tenant deny rule",
    request: { params: DenyRuleParams },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const { denyRuleId: ruleId } = c.req.valid("param");
    const { tenant } = c.get("tenantAccess");
    const db = c.get("db");
    const removed = await db
      .delete(egressRules)
      .where(and(eq(egressRules.id, ruleId), eq(egressRules.tenantId, tenant.id), isNull(egressRules.agentId)))
      .returning()
      .get();
    if (!removed) throw notFound("Deny rule");
    await invalidateTenantEgress(c.env, db, tenant.id);
    await audit(c, {
      action: "egress.deny_rule_removed",
      target: { type: "tenant", id: tenant.id },
      severity: "warning",
      details: { ruleId, host: removed.host },
    });
    return c.body(null, 204);
  },
);
