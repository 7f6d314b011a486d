import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Permission } from "../../../../shared/auth/permissions";
import { newId } from "../../../../shared/crypto/ids";
import { defaultProjectId } from "../../../../shared/projects";
import { DEFAULT_TENANT_CONFIG } from "../../../../shared/schemas/tenant";
import { call, createTenant, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const base = (tenantId: string) => `/v1/tenants/${tenantId}`;

async function createProject(
  tenantId: string,
  cookie: string,
  name: string,
): Promise<{ id: string; name: string; isDefault: boolean; status: string }> {
  const res = await call(`${base(tenantId)}/projects`, { body: { name }, cookie });
  if (res.status !== 201) throw new Error(`create project failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.project;
}

async function createAgent(tenantId: string, auth: { cookie?: string; apiKey?: string }, extra: Record<string, unknown> = {}) {
  return call(`${base(tenantId)}/agents`, {
    body: { name: `agent-${crypto.randomUUID().slice(0, 6)}`, template: "engineering", ...extra },
    ...auth,
  });
}

async function createKey(tenantId: string, owner: TestUser, scopes: Permission[], projectId?: string): Promise<string> {
  const res = await call(`${base(tenantId)}/api-keys`, {
    body: { name: "k", scopes, ...(projectId ? { projectId } : {}) },
    cookie: owner.cookie,
  });
  if (res.status !== 201) throw new Error(`create key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

describe("projects", () => {
  it("a new tenant has its default project, whose id derives from the tenant's", async () => {
    const owner = await signup("proj-default");
    const tenantId = await createTenant(owner, "Proj default");
    const list = await call(`${base(tenantId)}/projects`, { cookie: owner.cookie });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({ id: defaultProjectId(tenantId), name: "Default", isDefault: true, status: "active" }),
    ]);
  });

  it("creates, renames, archives and unarchives; names are unique per tenant; the default cannot be archived", async () => {
    const { tenantId, owner, member } = await tenantWithRoles("Proj lifecycle");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    expect(alpha).toMatchObject({ name: "Alpha", isDefault: false, status: "active" });
    expectError(await call(`${base(tenantId)}/projects`, { body: { name: "Alpha" }, cookie: owner.cookie }), 409, "conflict");
    expectError(await call(`${base(tenantId)}/projects`, { body: { name: "Beta" }, cookie: member.cookie }), 403, "forbidden");
    expectError(await call(`${base(tenantId)}/projects`, { body: { name: "" }, cookie: owner.cookie }), 400, "validation_failed");

    const renamed = await call(`${base(tenantId)}/projects/${alpha.id}`, {
      method: "PATCH",
      body: { name: "Alpha 2" },
      cookie: owner.cookie,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.project.name).toBe("Alpha 2");

    const archived = await call(`${base(tenantId)}/projects/${alpha.id}/archive`, { method: "POST", cookie: owner.cookie });
    expect(archived.body.project.status).toBe("archived");
    expectError(await call(`${base(tenantId)}/projects/${alpha.id}/archive`, { method: "POST", cookie: owner.cookie }), 409, "conflict");
    const active = await call(`${base(tenantId)}/projects`, { cookie: member.cookie });
    expect(active.body.data.map((p: { id: string }) => p.id)).toEqual([defaultProjectId(tenantId)]);
    const all = await call(`${base(tenantId)}/projects?status=all`, { cookie: member.cookie });
    expect(all.body.data.map((p: { id: string }) => p.id)).toEqual([defaultProjectId(tenantId), alpha.id]);

    // Nothing new enters an archived project.
    expectError(await createAgent(tenantId, { cookie: owner.cookie }, { projectId: alpha.id }), 409, "project_archived");
    expect(
      (await call(`${base(tenantId)}/projects/${alpha.id}/unarchive`, { method: "POST", cookie: owner.cookie })).body.project.status,
    ).toBe("active");
    expect((await createAgent(tenantId, { cookie: owner.cookie }, { projectId: alpha.id })).status).toBe(201);

    expectError(
      await call(`${base(tenantId)}/projects/${defaultProjectId(tenantId)}/archive`, { method: "POST", cookie: owner.cookie }),
      409,
      "conflict",
    );

    const audit = await auditResults<{ action: string; details: string }>(
      "select action, details from audit_events where tenant_id = ? and action like 'project.%' order by id",
      tenantId,
    );
    expect(audit.results.map((r) => r.action)).toEqual(["project.created", "project.updated", "project.archived", "project.unarchived"]);
    expect(JSON.parse(audit.results[0]!.details)).toMatchObject({ projectId: alpha.id });
  });

  it("agents and teams land in the named project (default: the default project) and every list filters by project", async () => {
    const owner = await signup("proj-lists");
    const tenantId = await createTenant(owner, "Proj lists");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    const inDefault = (await createAgent(tenantId, { cookie: owner.cookie })).body.agent;
    const inAlpha = (await createAgent(tenantId, { cookie: owner.cookie }, { projectId: alpha.id })).body.agent;
    expect(inDefault.projectId).toBe(defaultProjectId(tenantId));
    expect(inAlpha.projectId).toBe(alpha.id);

    const ids = async (path: string) => ((await call(path, { cookie: owner.cookie })).body.data as Array<{ id: string }>).map((a) => a.id);
    expect(await ids(`${base(tenantId)}/agents?projectId=${alpha.id}`)).toEqual([inAlpha.id]);
    expect(await ids(`${base(tenantId)}/agents?projectId=${defaultProjectId(tenantId)}`)).toEqual([inDefault.id]);
    expect(await ids(`${base(tenantId)}/agents`)).toEqual([inDefault.id, inAlpha.id]);

    // A team's agents share its project: an agent of another project is refused.
    const team = await call(`${base(tenantId)}/teams`, {
      body: { name: "Alpha team", projectId: alpha.id, agentIds: [inAlpha.id] },
      cookie: owner.cookie,
    });
    expect(team.status).toBe(201);
    expect(team.body.team).toMatchObject({ projectId: alpha.id, agentIds: [inAlpha.id] });
    expectError(
      await call(`${base(tenantId)}/teams`, {
        body: { name: "Mixed", projectId: alpha.id, agentIds: [inDefault.id] },
        cookie: owner.cookie,
      }),
      404,
      "not_found",
    );
    expectError(
      await call(`${base(tenantId)}/teams/${team.body.team.id}/agents/${inDefault.id}`, { method: "PUT", cookie: owner.cookie }),
      404,
      "not_found",
    );
    expectError(await createAgent(tenantId, { cookie: owner.cookie }, { teamIds: [team.body.team.id] }), 404, "not_found");
    expect(await ids(`${base(tenantId)}/teams?projectId=${alpha.id}`)).toEqual([team.body.team.id]);
    expect(await ids(`${base(tenantId)}/teams?projectId=${defaultProjectId(tenantId)}`)).toEqual([]);

    // Another tenant's project is not found, in lists and creates alike.
    const other = await signup("proj-other");
    const otherTenant = await createTenant(other, "Other");
    const foreign = await createProject(otherTenant, other.cookie, "Foreign");
    expectError(await call(`${base(tenantId)}/agents?projectId=${foreign.id}`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await createAgent(tenantId, { cookie: owner.cookie }, { projectId: foreign.id }), 404, "not_found");
    expectError(await call(`${base(otherTenant)}/projects/${alpha.id}`, { cookie: other.cookie }), 404, "not_found");
  });

  it("a project role narrows the tenant role inside that project only, and never widens it", async () => {
    const { tenantId, owner, admin, member, viewer } = await tenantWithRoles("Proj roles");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    const setRole = (user: TestUser, role: string, as = owner) =>
      call(`${base(tenantId)}/projects/${alpha.id}/members/${user.id}`, { method: "PUT", body: { role }, cookie: as.cookie });

    const narrowed = await setRole(member, "viewer");
    expect(narrowed.body.member).toMatchObject({ tenantRole: "member", projectRole: "viewer", effectiveRole: "viewer" });
    const refused = await createAgent(tenantId, { cookie: member.cookie }, { projectId: alpha.id });
    expectError(refused, 403, "forbidden");
    expect(refused.body.error.details).toEqual({ permission: "agents:write", projectId: alpha.id });
    expect((await createAgent(tenantId, { cookie: member.cookie })).status).toBe(201);
    // Reading stays allowed (viewers read).
    expect((await call(`${base(tenantId)}/agents?projectId=${alpha.id}`, { cookie: member.cookie })).status).toBe(200);
    // An agent made in Alpha by the owner cannot be changed by the narrowed member.
    const agent = (await createAgent(tenantId, { cookie: owner.cookie }, { projectId: alpha.id })).body.agent;
    expectError(
      await call(`${base(tenantId)}/agents/${agent.id}`, { method: "PATCH", body: { name: "x" }, cookie: member.cookie }),
      403,
      "forbidden",
    );

    // A "wider" project role grants nothing: the viewer stays a viewer.
    expect((await setRole(viewer, "admin")).body.member.effectiveRole).toBe("viewer");
    expectError(await createAgent(tenantId, { cookie: viewer.cookie }, { projectId: alpha.id }), 403, "forbidden");

    // An admin narrowed to member loses API-key reading in the project, and cannot mint a tenant-wide key that would act there.
    await setRole(admin, "member");
    expectError(await call(`${base(tenantId)}/api-keys?projectId=${alpha.id}`, { cookie: admin.cookie }), 403, "forbidden");
    expectError(
      await call(`${base(tenantId)}/api-keys`, { body: { name: "wide", scopes: ["agents:credentials"] }, cookie: admin.cookie }),
      403,
      "forbidden",
    );
    expect(
      (
        await call(`${base(tenantId)}/api-keys`, {
          body: { name: "bound", scopes: ["agents:credentials"], projectId: defaultProjectId(tenantId) },
          cookie: admin.cookie,
        })
      ).status,
    ).toBe(201);

    // Only an owner sets an owner's project role; removing a role restores the tenant role.
    expectError(await setRole(owner, "viewer", admin), 403, "owner_required");
    expect(
      (await call(`${base(tenantId)}/projects/${alpha.id}/members/${member.id}`, { method: "DELETE", cookie: owner.cookie })).status,
    ).toBe(204);
    expect((await createAgent(tenantId, { cookie: member.cookie }, { projectId: alpha.id })).status).toBe(201);
    const roles = await call(`${base(tenantId)}/projects/${alpha.id}/members`, { cookie: viewer.cookie });
    expect(roles.body.data.map((m: { userId: string }) => m.userId).sort()).toEqual([admin.id, viewer.id].sort());
  });

  it("a project-bound API key sees and acts in its project only", async () => {
    const owner = await signup("proj-key");
    const tenantId = await createTenant(owner, "Proj key");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    const outside = (await createAgent(tenantId, { cookie: owner.cookie })).body.agent;
    const key = await createKey(
      tenantId,
      owner,
      ["agents:read", "agents:write", "teams:read", "api_keys:read", "api_keys:write", "projects:read"],
      alpha.id,
    );

    const made = await createAgent(tenantId, { apiKey: key });
    expect(made.status).toBe(201);
    expect(made.body.agent.projectId).toBe(alpha.id);
    const listed = await call(`${base(tenantId)}/agents`, { apiKey: key });
    expect(listed.body.data.map((a: { id: string }) => a.id)).toEqual([made.body.agent.id]);
    expectError(await call(`${base(tenantId)}/agents/${outside.id}`, { apiKey: key }), 404, "not_found");
    expectError(await call(`${base(tenantId)}/agents?projectId=${defaultProjectId(tenantId)}`, { apiKey: key }), 404, "not_found");
    expectError(await createAgent(tenantId, { apiKey: key }, { projectId: defaultProjectId(tenantId) }), 404, "not_found");
    const projects = await call(`${base(tenantId)}/projects`, { apiKey: key });
    expect(projects.body.data.map((p: { id: string }) => p.id)).toEqual([alpha.id]);
    // Keys it makes are bound to its project; it cannot see tenant-wide keys.
    const child = await call(`${base(tenantId)}/api-keys`, { body: { name: "child", scopes: ["agents:read"] }, apiKey: key });
    expect(child.body.apiKey.projectId).toBe(alpha.id);
    const keys = await call(`${base(tenantId)}/api-keys`, { apiKey: key });
    expect(keys.body.data.every((k: { projectId: string | null }) => k.projectId === alpha.id)).toBe(true);
  });
});

describe("project scope on team sub-resources", () => {
  it("a project-bound key reaches its project's team coordination and YAML, and gets 404 for another project's team", async () => {
    const owner = await signup("proj-coord");
    const tenantId = await createTenant(owner, "Proj coord");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    const inside = (await call(`${base(tenantId)}/teams`, { body: { name: "Inside", projectId: alpha.id }, cookie: owner.cookie })).body
      .team;
    const outside = (await call(`${base(tenantId)}/teams`, { body: { name: "Outside" }, cookie: owner.cookie })).body.team;
    const key = await createKey(tenantId, owner, ["teams:read", "teams:write"], alpha.id);

    expect((await call(`${base(tenantId)}/teams/${inside.id}/coordination/tasks`, { apiKey: key })).status).toBe(200);
    expect(
      (await call(`${base(tenantId)}/teams/${inside.id}/coordination/tasks`, { body: { title: "in scope" }, apiKey: key })).status,
    ).toBe(201);
    expectError(await call(`${base(tenantId)}/teams/${outside.id}/coordination/tasks`, { apiKey: key }), 404, "not_found");
    expectError(
      await call(`${base(tenantId)}/teams/${outside.id}/coordination/tasks`, { body: { title: "out of scope" }, apiKey: key }),
      404,
      "not_found",
    );
    expectError(await call(`${base(tenantId)}/teams/${outside.id}/export`, { apiKey: key }), 404, "not_found");
    const tasks = await call(`${base(tenantId)}/teams/${outside.id}/coordination/tasks`, { cookie: owner.cookie });
    expect(tasks.body.tasks).toEqual([]);
  });
});

describe("project scope on agent sub-resources", () => {
  it("a project-bound key reaches its project's agents' egress and skills, and gets 404 for another project's agent", async () => {
    const owner = await signup("proj-egress");
    const tenantId = await createTenant(owner, "Proj egress");
    const alpha = await createProject(tenantId, owner.cookie, "Alpha");
    const inside = (await createAgent(tenantId, { cookie: owner.cookie }, { projectId: alpha.id })).body.agent;
    const outside = (await createAgent(tenantId, { cookie: owner.cookie })).body.agent;
    const key = await createKey(tenantId, owner, ["agents:read", "egress:read", "egress:write", "skills:read", "skills:install"], alpha.id);

    expect((await call(`${base(tenantId)}/agents/${inside.id}/egress`, { apiKey: key })).status).toBe(200);
    expect(
      (await call(`${base(tenantId)}/agents/${inside.id}/egress/rules`, { body: { host: "api.example.com" }, apiKey: key })).status,
    ).toBe(201);
    expectError(await call(`${base(tenantId)}/agents/${outside.id}/egress`, { apiKey: key }), 404, "not_found");
    expectError(
      await call(`${base(tenantId)}/agents/${outside.id}/egress/rules`, { body: { host: "api.example.com" }, apiKey: key }),
      404,
      "not_found",
    );
    expectError(await call(`${base(tenantId)}/agents/${outside.id}/skills`, { apiKey: key }), 404, "not_found");
    expectError(
      await call(`${base(tenantId)}/agents/${outside.id}/skills/github`, { method: "PUT", body: {}, apiKey: key }),
      404,
      "not_found",
    );
    const rules = await call(`${base(tenantId)}/agents/${outside.id}/egress`, { cookie: owner.cookie });
    expect(rules.body.rules).toEqual([]);
  });
});

describe("the default-project migration", () => {
  it("backfills data written before projects (and by old code mid-rollout), idempotently; null rows read as the default project meanwhile", async () => {
    const owner = await signup("proj-migration");
    // A tenant and agent as the code before projects wrote them: no project row, null project_id.
    const tenantId = newId("tenant");
    const agentId = newId("agent");
    await env.DB.batch([
      env.DB.prepare("insert into tenants (id, name, plan, config) values (?, 'Old', 'free', ?)").bind(
        tenantId,
        JSON.stringify(DEFAULT_TENANT_CONFIG),
      ),
      env.DB.prepare(
        "insert into tenant_config_versions (tenant_id, version, name, config, reason) values (?, 1, 'Old', ?, 'created')",
      ).bind(tenantId, JSON.stringify(DEFAULT_TENANT_CONFIG)),
      env.DB.prepare("insert into memberships (tenant_id, user_id, role) values (?, ?, 'owner')").bind(tenantId, owner.id),
      env.DB.prepare(
        "insert into agents (id, tenant_id, name, template, tool_categories, trust_level, secret_hash, secret_prefix) values (?, ?, 'Old agent', 'pm', '[]', 1, 'x', 'sba_x')",
      ).bind(agentId, tenantId),
    ]);

    // Before the backfill: the API already reads the null row as the default project, created lazily.
    const before = await call(`${base(tenantId)}/agents?projectId=${defaultProjectId(tenantId)}`, { cookie: owner.cookie });
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual([expect.objectContaining({ id: agentId, projectId: defaultProjectId(tenantId) })]);

    const migration = env.TEST_MIGRATIONS.find((m) => m.name.includes("backfill_default_projects"));
    expect(migration).toBeDefined();
    for (let run = 0; run < 2; run++) {
      for (const query of migration!.queries) await env.DB.prepare(query).run();
    }
    const project = await env.DB.prepare("select id, name, is_default from projects where tenant_id = ?").bind(tenantId).all();
    expect(project.results).toEqual([{ id: defaultProjectId(tenantId), name: "Default", is_default: 1 }]);
    const agent = await env.DB.prepare("select project_id from agents where id = ?").bind(agentId).first();
    expect(agent).toEqual({ project_id: defaultProjectId(tenantId) });
    const after = await call(`${base(tenantId)}/agents?projectId=${defaultProjectId(tenantId)}`, { cookie: owner.cookie });
    expect(after.body.data.map((a: { id: string }) => a.id)).toEqual([agentId]);
  });

  it("the SQL default-project id and the code's agree", () => {
    expect(defaultProjectId("ten_01JD0000000000000000000000")).toBe("prj_01JD0000000000000000000000");
  });
});
