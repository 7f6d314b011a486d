/**
 * Cross-tenant isolation over every tenant route: the owner of tenant A (and A's all-scopes API
 * key) gets 404 for tenant B — whether B's id is in the tenant slot or B's resource ids are used
 * under A's tenant id — and B's data is unchanged afterwards.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS } from "../../../workers/shared/auth/permissions";
import { call, createTenant, signup, uniqueEmail, type TestUser } from "../harness";
import { apiRoutes, fillPath, isPermission, type RouteInfo } from "../route-table";

const tenantRoutes = apiRoutes().filter((r) => isPermission(r.access));

/** A valid body for routes that take one, so validation cannot answer before the lookup does. */
const SAMPLE_BODIES: Record<string, unknown> = {
  "PATCH /v1/tenants/{tenantId}": { name: "hijacked" },
  "PATCH /v1/tenants/{tenantId}/members/{userId}": { role: "viewer" },
  "POST /v1/tenants/{tenantId}/invites": { email: "x@example.test", role: "viewer" },
  "POST /v1/tenants/{tenantId}/agents": { name: "intruder", template: "custom" },
  "PATCH /v1/tenants/{tenantId}/agents/{agentId}": { name: "hijacked" },
  "POST /v1/tenants/{tenantId}/teams": { name: "intruders" },
  "PATCH /v1/tenants/{tenantId}/teams/{teamId}": { name: "hijacked" },
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/allowlist": { expectedVersion: 0, edges: [], topics: [] },
  "POST /v1/tenants/{tenantId}/teams/{teamId}/allowlist/edges": { from: { kind: "role", id: "pm" }, to: { kind: "role", id: "ops" } },
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/allowlist/edges": { from: { kind: "role", id: "pm" }, to: { kind: "role", id: "ops" } },
  "POST /v1/tenants/{tenantId}/teams/{teamId}/allowlist/topics": {
    topic: "deploys.*",
    subject: { kind: "role", id: "ops" },
    action: "publish",
  },
  "DELETE /v1/tenants/{tenantId}/teams/{teamId}/allowlist/topics": {
    topic: "deploys.*",
    subject: { kind: "role", id: "ops" },
    action: "publish",
  },
  "POST /v1/tenants/{tenantId}/api-keys": { name: "intruder", scopes: ["agents:read"] },
  "POST /v1/tenants/{tenantId}/alert-rules": { name: "intruder", match: { action: "agent.suspended" } },
  "PATCH /v1/tenants/{tenantId}/alert-rules/{ruleId}": { enabled: false },
  "POST /v1/tenants/{tenantId}/webhooks": { url: "https://webhooks.test/intruder" },
  "POST /v1/tenants/{tenantId}/alerts/{alertId}/resolve": { note: "hijacked" },
  "POST /v1/tenants/{tenantId}/audit/verify": {},
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/locks/force-release": { name: "repo:main" },
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/tasks": { title: "intruder" },
  "POST /v1/tenants/{tenantId}/teams/{teamId}/coordination/workflows": { template: "sprint-handoff", title: "intruder" },
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/coordination/settings": {},
  "POST /v1/tenants/{tenantId}/teams/{teamId}/apply": {
    yaml: "apiVersion: switchboard.dev/v1\nkind: Team\nmetadata: { name: hijacked }\nspec: {}\n",
    dryRun: false,
  },
  "POST /v1/tenants/{tenantId}/projects": { name: "intruders" },
  "PATCH /v1/tenants/{tenantId}/projects/{projectId}": { name: "hijacked" },
  "PUT /v1/tenants/{tenantId}/projects/{projectId}/members/{userId}": { role: "viewer" },
  "PUT /v1/tenants/{tenantId}/sso": {
    issuer: "https://idp.example.test",
    clientId: "intruder",
    clientSecret: "s",
    emailDomains: ["intruder.test"],
  },
  "POST /v1/tenants/{tenantId}/agents/{agentId}/egress/rules": { host: "api.example.com" },
  "PUT /v1/tenants/{tenantId}/agents/{agentId}/egress/mode": { mode: "live" },
  "POST /v1/tenants/{tenantId}/agents/{agentId}/egress/test": { url: "https://api.example.com/" },
  "POST /v1/tenants/{tenantId}/egress/deny-rules": { host: "api.example.com" },
  "POST /v1/tenants/{tenantId}/secrets": {
    name: "HIJACK",
    value: "0123456789abcdef",
    host: "api.example.com",
    injection: { type: "header", name: "x-api-key", format: "{value}" },
    scope: { agents: ["agt_x"] },
  },
  "PATCH /v1/tenants/{tenantId}/secrets/{secretId}": { description: "hijacked" },
  "POST /v1/tenants/{tenantId}/secrets/{secretId}/rotate": { value: "hijacked-value-0123" },
  "POST /v1/tenants/{tenantId}/skills": { name: "hijack", version: "9.9.9", title: "Hijack" },
  "POST /v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/deprecate": { message: "hijacked" },
  "POST /v1/tenants/{tenantId}/skills/{skillName}/versions/{version}/yank": { message: "hijacked" },
  "PUT /v1/tenants/{tenantId}/agents/{agentId}/skills/{skillName}": {},
  "POST /v1/tenants/{tenantId}/skills/dry-run": { skill: "github" },
  "POST /v1/tenants/{tenantId}/billing/checkout": { plan: "team" },
  "POST /v1/tenants/{tenantId}/billing/plan": { plan: "business" },
  "POST /v1/tenants/{tenantId}/budgets": { metric: "relay_messages", hardLimit: 1 },
  "PATCH /v1/tenants/{tenantId}/budgets/{budgetId}": { hardLimit: 0 },
  "POST /v1/tenants/{tenantId}/safe-mode": { reason: "cross-tenant probe" },
  "POST /v1/tenants/{tenantId}/safe-mode/lift": {},
  "POST /v1/tenants/{tenantId}/teams/{teamId}/safe-mode": { reason: "cross-tenant probe" },
  "POST /v1/tenants/{tenantId}/teams/{teamId}/safe-mode/lift": {},
  "PUT /v1/tenants/{tenantId}/policies/settings": { enabled: true },
  "POST /v1/tenants/{tenantId}/policies/validate": { text: "permit (principal, action, resource);" },
  "POST /v1/tenants/{tenantId}/policies/versions": { text: "forbid (principal, action, resource);", message: "hijacked" },
  "POST /v1/tenants/{tenantId}/policies/versions/{version}/rollback": { message: "hijacked" },
  "POST /v1/tenants/{tenantId}/policies/dry-run": { text: "permit (principal, action, resource);" },
  "POST /v1/tenants/{tenantId}/approvals/{approvalId}/approve": { reason: "hijacked" },
  "POST /v1/tenants/{tenantId}/approvals/{approvalId}/deny": { reason: "hijacked" },
  "PUT /v1/tenants/{tenantId}/teams/{teamId}/supervised-pairs": { pairs: [] },
  "POST /v1/tenants/{tenantId}/guardrails/check": { action: "shell.exec", content: "ls -la" },
};

let ownerA: TestUser;
let tenantA: string;
let keyA: string;
let b: Record<string, string>;

const snapshotB = async () => {
  const q = (sql: string) => env.DB.prepare(sql).bind(b.tenantId).first<Record<string, unknown>>();
  return {
    tenant: await q("select name, config_version, deleted_at from tenants where id = ?"),
    members: await q("select count(*) as n, group_concat(role) as roles from memberships where tenant_id = ?"),
    agents: await q(
      "select count(*) as n, group_concat(name) as names, group_concat(status) as s, group_concat(coalesce(deleted_at, 0)) as d, group_concat(secret_hash) as h from agents where tenant_id = ?",
    ),
    teams: await q(
      "select count(*) as n, group_concat(name) as names, group_concat(coalesce(deleted_at, 0)) as d from teams where tenant_id = ?",
    ),
    links: await q("select count(*) as n from team_agents where team_id in (select id from teams where tenant_id = ?)"),
    invites: await q("select count(*) as n, group_concat(coalesce(revoked_at, 0)) as r from invites where tenant_id = ?"),
    keys: await q("select count(*) as n, group_concat(coalesce(revoked_at, 0)) as r from api_keys where tenant_id = ?"),
    alertRules: await q(
      "select count(*) as n, group_concat(enabled) as e, group_concat(updated_at) as u from alert_rules where tenant_id = ?",
    ),
    alerts: await q("select count(*) as n, group_concat(status) as s from alerts where tenant_id = ?"),
    webhooks: await q("select count(*) as n from webhooks where tenant_id = ?"),
    projects: await q(
      "select count(*) as n, group_concat(name) as names, group_concat(coalesce(archived_at, 0)) as a from projects where tenant_id = ?",
    ),
    projectRoles: await q("select count(*) as n, group_concat(role) as r from project_members where tenant_id = ?"),
    egressRules: await q("select count(*) as n, group_concat(host) as h from egress_rules where tenant_id = ?"),
    egressModes: await q("select count(*) as n, group_concat(mode) as m from agent_egress where tenant_id = ?"),
    skills: await q("select count(*) as n, group_concat(name) as names from skills where tenant_id = ?"),
    skillVersions: await q(
      "select count(*) as n, group_concat(status) as s from skill_versions where skill_id in (select id from skills where tenant_id = ?)",
    ),
    installs: await q("select count(*) as n, group_concat(version) as v, group_concat(mode) as m from agent_skills where tenant_id = ?"),
    secrets: await q(
      "select count(*) as n, group_concat(current_version) as v, group_concat(description) as d, group_concat(coalesce(deleted_at, 0)) as del from secrets where tenant_id = ?",
    ),
    budgets: await q("select count(*) as n, group_concat(hard_limit) as h from budgets where tenant_id = ?"),
    safeModes: await q("select count(*) as n from safe_modes where tenant_id = ?"),
    plan: await q("select plan from tenants where id = ?"),
    policyVersions: await q("select count(*) as n, max(version) as v from policy_versions where tenant_id = ?"),
    policySettings: await q("select count(*) as n, group_concat(cedar_enabled) as e from tenant_policy_settings where tenant_id = ?"),
    approvals: (await env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(b.tenantId!)).list(undefined, 10)).map((a) => a.status),
  };
};

beforeAll(async () => {
  ownerA = await signup("ownerA");
  tenantA = await createTenant(ownerA, "Tenant A");
  keyA = (await call(`/v1/tenants/${tenantA}/api-keys`, { body: { name: "A all", scopes: [...PERMISSIONS] }, cookie: ownerA.cookie })).body
    .key;

  const ownerB = await signup("ownerB");
  const tenantId = await createTenant(ownerB, "Tenant B");
  const memberB = await signup("memberB");
  const invite = await call(`/v1/tenants/${tenantId}/invites`, { body: { email: memberB.email, role: "member" }, cookie: ownerB.cookie });
  await call("/v1/invites/accept", { body: { token: invite.body.token }, cookie: memberB.cookie });
  const pending = await call(`/v1/tenants/${tenantId}/invites`, {
    body: { email: uniqueEmail("pendingB"), role: "viewer" },
    cookie: ownerB.cookie,
  });
  const agent = await call(`/v1/tenants/${tenantId}/agents`, { body: { name: "B agent", template: "pm" }, cookie: ownerB.cookie });
  const team = await call(`/v1/tenants/${tenantId}/teams`, {
    body: { name: "B team", agentIds: [agent.body.agent.id] },
    cookie: ownerB.cookie,
  });
  const key = await call(`/v1/tenants/${tenantId}/api-keys`, { body: { name: "B key", scopes: ["agents:read"] }, cookie: ownerB.cookie });
  b = {
    tenantId,
    userId: memberB.id,
    inviteId: pending.body.invite.id,
    agentId: agent.body.agent.id,
    teamId: team.body.team.id,
    apiKeyId: key.body.apiKey.id,
    version: "1",
    day: "2026-11-30",
    seq: "1",
  };
  // Alerts: a rule, a webhook, and an alert row (alerts are only ever created by the ledger).
  const webhook = await call(`/v1/tenants/${tenantId}/webhooks`, { body: { url: "https://webhooks.test/b" }, cookie: ownerB.cookie });
  const rule = await call(`/v1/tenants/${tenantId}/alert-rules`, {
    body: { name: "B rule", match: { action: "agent.suspended" }, webhookIds: [webhook.body.webhook.id] },
    cookie: ownerB.cookie,
  });
  const alertId = `alt_cross_${crypto.randomUUID()}`;
  await env.DB.prepare(
    "INSERT INTO alerts (id, tenant_id, rule_id, rule_name, severity, status, summary, count, first_seq, last_seq, first_event_at, last_event_at, sample_event_ids, fired_at) VALUES (?, ?, ?, 'B rule', 'info', 'open', 's', 1, 1, 1, 0, 0, '[]', 0)",
  )
    .bind(alertId, tenantId, rule.body.rule.id)
    .run();
  Object.assign(b, { ruleId: rule.body.rule.id, webhookId: webhook.body.webhook.id, alertId });
  // Coordination sub-resources live in the team's coordinator; the team lookup answers first.
  Object.assign(b, { taskId: "task_cross", memoryId: "mem_cross", runId: "wfr_cross" });
  const project = await call(`/v1/tenants/${tenantId}/projects`, { body: { name: "B project" }, cookie: ownerB.cookie });
  await call(`/v1/tenants/${tenantId}/projects/${project.body.project.id}/members/${memberB.id}`, {
    method: "PUT",
    body: { role: "viewer" },
    cookie: ownerB.cookie,
  });
  Object.assign(b, { projectId: project.body.project.id });
  // Egress: an agent rule and a tenant deny rule.
  const egressRule = await call(`/v1/tenants/${tenantId}/agents/${b.agentId}/egress/rules`, {
    body: { host: "api.example.com" },
    cookie: ownerB.cookie,
  });
  const denyRule = await call(`/v1/tenants/${tenantId}/egress/deny-rules`, { body: { host: "evil.example.com" }, cookie: ownerB.cookie });
  if (egressRule.status !== 201 || denyRule.status !== 201) throw new Error("seeding tenant B's egress rules failed");
  Object.assign(b, { egressRuleId: egressRule.body.rule.id, denyRuleId: denyRule.body.rule.id });
  const secretB = await call(`/v1/tenants/${tenantId}/secrets`, {
    body: {
      name: "B_TOKEN",
      value: "b-secret-value-0123",
      host: "api.example.com",
      injection: { type: "header", name: "authorization" },
      scope: { agents: [b.agentId] },
    },
    cookie: ownerB.cookie,
  });
  if (secretB.status !== 201) throw new Error(`seeding tenant B's secret failed: ${JSON.stringify(secretB.body)}`);
  // Policies as code: one saved Cedar policy version.
  const policyB = await call(`/v1/tenants/${tenantId}/policies/versions`, {
    body: { text: "permit (principal, action, resource);", message: "B only" },
    cookie: ownerB.cookie,
  });
  if (policyB.status !== 201) throw new Error(`seeding tenant B's policy failed: ${JSON.stringify(policyB.body)}`);
  b.secretId = secretB.body.secret.id;
  // Skills: a private skill (core skill names exist in every tenant, so they prove nothing here), installed on B's agent.
  const published = await call(`/v1/tenants/${tenantId}/skills`, {
    body: { name: "b-private", version: "1.0.0", title: "B only", network: [{ host: "api.example.com" }] },
    cookie: ownerB.cookie,
  });
  const installed = await call(`/v1/tenants/${tenantId}/agents/${b.agentId}/skills/b-private`, {
    method: "PUT",
    body: {},
    cookie: ownerB.cookie,
  });
  if (published.status !== 201 || installed.status !== 200) throw new Error("seeding tenant B's skill failed");
  b.skillName = "b-private";
  // Billing: a budget (docs/billing.md).
  const budgetB = await call(`/v1/tenants/${tenantId}/budgets`, { body: { metric: "egress_calls", hardLimit: 5 }, cookie: ownerB.cookie });
  if (budgetB.status !== 201) throw new Error(`seeding tenant B's budget failed: ${JSON.stringify(budgetB.body)}`);
  b.budgetId = budgetB.body.budget.id;
  // Approvals (docs/governance.md#approvals): a pending approval in B's desk, opened as the egress gate would.
  const approvalB = await env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(tenantId)).request({
    id: `apr_cross_${crypto.randomUUID()}`,
    tenantId,
    kind: "egress_call",
    agentId: b.agentId!,
    teamId: null,
    summary: "DELETE https://api.example.com/x",
    subject: { method: "DELETE", url: "https://api.example.com/x", digest: "0", bytes: 0, preview: "" },
    trigger: { source: "trust_level", detail: "seeded" },
    fingerprint: `cross-${crypto.randomUUID()}`,
  });
  b.approvalId = approvalB.approval.id;
  for (const [name, value] of Object.entries(b)) if (!value) throw new Error(`seeding tenant B failed at ${name}`);
});

function bodyFor(route: RouteInfo) {
  if (!route.hasBody) return {};
  const sample = SAMPLE_BODIES[`${route.method} ${route.path}`];
  if (sample === undefined) throw new Error(`add a valid sample body for ${route.method} ${route.path} to SAMPLE_BODIES`);
  return { body: sample };
}

describe("cross-tenant access answers 404 on every tenant route", () => {
  it("covers every resource kind", () => {
    const params = new Set(tenantRoutes.flatMap((r) => r.params));
    expect([...params].sort()).toEqual(
      expect.arrayContaining(["agentId", "apiKeyId", "inviteId", "teamId", "tenantId", "userId", "version"]),
    );
  });

  it("B's tenant id in the path: 404 for A's owner and A's API key, B unchanged", async () => {
    const before = await snapshotB();
    for (const route of tenantRoutes) {
      const path = fillPath(route.path, b);
      for (const credential of [{ cookie: ownerA.cookie }, { apiKey: keyA }]) {
        const res = await call(path, { method: route.method, ...bodyFor(route), ...credential });
        expect(res.status, `${route.method} ${path} with ${Object.keys(credential)[0]}: ${JSON.stringify(res.body)}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    }
    expect(await snapshotB()).toEqual(before);
  });

  it("B's resource ids under A's tenant: 404, B unchanged", async () => {
    const before = await snapshotB();
    // `version` and `seq` are positions inside a tenant (config version, audit chain seq), not ids: every tenant has a 1.
    const withSubResource = tenantRoutes.filter((r) => r.params.some((p) => p !== "tenantId" && p !== "version" && p !== "seq"));
    expect(withSubResource.length).toBeGreaterThan(8);
    for (const route of withSubResource) {
      const path = fillPath(route.path, { ...b, tenantId: tenantA });
      for (const credential of [{ cookie: ownerA.cookie }, { apiKey: keyA }]) {
        const res = await call(path, { method: route.method, ...bodyFor(route), ...credential });
        expect(res.status, `${route.method} ${path}: ${JSON.stringify(res.body)}`).toBe(404);
      }
    }
    expect(await snapshotB()).toEqual(before);
  });
});
