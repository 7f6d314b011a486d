import { defaultProjectId } from "../../../../shared/projects";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PlanId } from "../../../../shared/plans";
import { call, createTenant, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const teamsPath = (tenantId: string) => `/v1/tenants/${tenantId}/teams`;

async function createAgent(tenantId: string, user: TestUser, name = "Agent") {
  const res = await call(`/v1/tenants/${tenantId}/agents`, { body: { name, template: "engineering" }, cookie: user.cookie });
  if (res.status !== 201) throw new Error(`create agent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { agent: { id: string }; secret: string };
}

async function createTeam(tenantId: string, user: TestUser, body: Record<string, unknown> = {}) {
  const res = await call(teamsPath(tenantId), { body: { name: "Team", ...body }, cookie: user.cookie });
  if (res.status !== 201) throw new Error(`create team failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.team as { id: string; agentIds: string[] } & Record<string, any>;
}

async function setPlan(tenantId: string, plan: PlanId) {
  await env.DB.prepare("update tenants set plan = ? where id = ?").bind(plan, tenantId).run();
}

async function ownTenant(plan: PlanId = "team") {
  const t = await tenantWithRoles();
  await setPlan(t.tenantId, plan);
  return t;
}

async function linkCount(teamId: string, agentId?: string) {
  const row = agentId
    ? await env.DB.prepare("select count(*) as n from team_agents where team_id = ? and agent_id = ?")
        .bind(teamId, agentId)
        .first<{ n: number }>()
    : await env.DB.prepare("select count(*) as n from team_agents where team_id = ?").bind(teamId).first<{ n: number }>();
  return row!.n;
}

async function auditRows(targetId: string): Promise<Array<Record<string, any>>> {
  const rows = await auditResults<Record<string, any>>(
    "select action, severity, actor_id, tenant_id, details from audit_events where target_id = ?",
    targetId,
  );
  return rows.results.map((r) => ({ ...r, details: JSON.parse(r.details) }));
}

describe("creating teams", () => {
  it("creates a team with agents; get returns the members as full agents without secrets", async () => {
    const { tenantId, owner } = await ownTenant();
    const a = await createAgent(tenantId, owner, "A");
    const b = await createAgent(tenantId, owner, "B");
    const team = await createTeam(tenantId, owner, {
      name: "Core",
      description: "The core team",
      agentIds: [b.agent.id, a.agent.id, a.agent.id],
    });
    expect(team).toMatchObject({ tenantId, name: "Core", description: "The core team", agentIds: [a.agent.id, b.agent.id].sort() });
    expect(await linkCount(team.id)).toBe(2);

    const res = await call(`${teamsPath(tenantId)}/${team.id}`, { cookie: owner.cookie });
    expect(res.status).toBe(200);
    expect(res.body.team.agentIds).toEqual([a.agent.id, b.agent.id].sort());
    expect(res.body.agents.map((x: any) => x.id)).toEqual([a.agent.id, b.agent.id].sort());
    expect(res.body.agents[0]).toMatchObject({
      template: "engineering",
      status: "active",
      teamIds: [team.id],
      secretPrefix: expect.stringMatching(/^sba_/),
    });
    const text = JSON.stringify(res.body);
    for (const secret of [a.secret, b.secret]) expect(text).not.toContain(secret);
    expect(text).not.toContain("secretHash");
  });

  it("refuses another tenant's, an unknown or a suspended agent with 404 naming it, and creates nothing", async () => {
    const { tenantId, owner } = await ownTenant();
    const other = await signup("other");
    const otherTenant = await createTenant(other);
    const foreign = await createAgent(otherTenant, other);
    const mine = await createAgent(tenantId, owner);
    const suspended = await createAgent(tenantId, owner, "Sleepy");
    await call(`/v1/tenants/${tenantId}/agents/${suspended.agent.id}/suspend`, { method: "POST", cookie: owner.cookie });

    for (const bad of [foreign.agent.id, "agt_unknown", suspended.agent.id]) {
      const res = await call(teamsPath(tenantId), { body: { name: "T", agentIds: [mine.agent.id, bad] }, cookie: owner.cookie });
      expectError(res, 404, "not_found");
      expect(res.body.error.message).toContain(bad);
    }
    const count = await env.DB.prepare("select count(*) as n from teams where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("refuses bad input with 400 validation_failed", async () => {
    const { tenantId, owner } = await ownTenant();
    for (const body of [
      {},
      { name: "" },
      { name: "   " },
      { name: "T", agentIds: "agt_x" },
      { name: "T", agentIds: [1] },
      { name: "T", members: [] },
      { name: "x".repeat(81) },
    ]) {
      expectError(await call(teamsPath(tenantId), { body, cookie: owner.cookie }), 400, "validation_failed");
    }
  });
});

describe("team membership", () => {
  it("adding is idempotent (200, one row, one audit event); removing twice is 404", async () => {
    const { tenantId, owner } = await ownTenant();
    const team = await createTeam(tenantId, owner);
    const { agent } = await createAgent(tenantId, owner);
    const path = `${teamsPath(tenantId)}/${team.id}/agents/${agent.id}`;

    const first = await call(path, { method: "PUT", cookie: owner.cookie });
    expect(first.status).toBe(200);
    expect(first.body.team.agentIds).toEqual([agent.id]);
    const second = await call(path, { method: "PUT", cookie: owner.cookie });
    expect(second.status).toBe(200);
    expect(second.body.team.agentIds).toEqual([agent.id]);
    expect(await linkCount(team.id, agent.id)).toBe(1);
    expect((await auditRows(team.id)).filter((r) => r.action === "team.agent_added")).toHaveLength(1);

    expect((await call(path, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    expect(await linkCount(team.id, agent.id)).toBe(0);
    const again = await call(path, { method: "DELETE", cookie: owner.cookie });
    expectError(again, 404, "not_found");
    expect(again.body.error.message).toMatch(/not in this team/);
    expect((await call(`${teamsPath(tenantId)}/${team.id}`, { cookie: owner.cookie })).body.agents).toEqual([]);
    // the agent itself is untouched
    expect((await call(`/v1/tenants/${tenantId}/agents/${agent.id}`, { cookie: owner.cookie })).body.agent.teamIds).toEqual([]);
  });

  it("racing adds of the same agent leave one row", async () => {
    const { tenantId, owner } = await ownTenant();
    const team = await createTeam(tenantId, owner);
    const { agent } = await createAgent(tenantId, owner);
    const results = await Promise.all(
      [1, 2, 3].map(() => call(`${teamsPath(tenantId)}/${team.id}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await linkCount(team.id, agent.id)).toBe(1);
  });

  it("an agent may be in several teams, and both sides show it", async () => {
    const { tenantId, owner } = await ownTenant();
    const shared = await createAgent(tenantId, owner, "Shared");
    const solo = await createAgent(tenantId, owner, "Solo");
    const t1 = await createTeam(tenantId, owner, { name: "One", agentIds: [shared.agent.id, solo.agent.id] });
    const t2 = await createTeam(tenantId, owner, { name: "Two", agentIds: [shared.agent.id] });
    const t3 = await createTeam(tenantId, owner, { name: "Three" });
    expect((await call(`${teamsPath(tenantId)}/${t3.id}/agents/${shared.agent.id}`, { method: "PUT", cookie: owner.cookie })).status).toBe(
      200,
    );

    const agent = await call(`/v1/tenants/${tenantId}/agents/${shared.agent.id}`, { cookie: owner.cookie });
    expect(agent.body.agent.teamIds).toEqual([t1.id, t2.id, t3.id].sort());
    const list = await call(teamsPath(tenantId), { cookie: owner.cookie });
    expect(Object.fromEntries(list.body.data.map((t: any) => [t.id, t.agentIds]))).toEqual({
      [t1.id]: [shared.agent.id, solo.agent.id].sort(),
      [t2.id]: [shared.agent.id],
      [t3.id]: [shared.agent.id],
    });
    const detail = await call(`${teamsPath(tenantId)}/${t2.id}`, { cookie: owner.cookie });
    expect(detail.body.agents[0].teamIds).toEqual([t1.id, t2.id, t3.id].sort());

    // leaving one team keeps the others
    await call(`${teamsPath(tenantId)}/${t1.id}/agents/${shared.agent.id}`, { method: "DELETE", cookie: owner.cookie });
    expect((await call(`/v1/tenants/${tenantId}/agents/${shared.agent.id}`, { cookie: owner.cookie })).body.agent.teamIds).toEqual(
      [t2.id, t3.id].sort(),
    );
  });

  it("a suspended agent cannot join a team but stays in the ones it is in", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    const member = await createTeam(tenantId, owner, { name: "Has it", agentIds: [agent.id] });
    const other = await createTeam(tenantId, owner, { name: "Lacks it" });
    await call(`/v1/tenants/${tenantId}/agents/${agent.id}/suspend`, { method: "POST", cookie: owner.cookie });
    const join = await call(`${teamsPath(tenantId)}/${other.id}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie });
    expectError(join, 404, "not_found");
    expect(join.body.error.message).toMatch(/suspended/);
    expect(await linkCount(other.id)).toBe(0);
    // re-adding to a team it already belongs to is still the idempotent 200
    expect((await call(`${teamsPath(tenantId)}/${member.id}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie })).status).toBe(
      200,
    );
    expect((await call(`${teamsPath(tenantId)}/${member.id}`, { cookie: owner.cookie })).body.agents[0].status).toBe("suspended");
  });
});

describe("updating and deleting teams", () => {
  it("patches name and description", async () => {
    const { tenantId, member } = await ownTenant();
    const team = await createTeam(tenantId, member, { name: "Old", description: "keep" });
    const res = await call(`${teamsPath(tenantId)}/${team.id}`, { method: "PATCH", body: { name: "New" }, cookie: member.cookie });
    expect(res.status).toBe(200);
    expect(res.body.team).toMatchObject({ name: "New", description: "keep" });
    for (const body of [{}, { name: "" }, { agentIds: [] }, { tenantId: "ten_x" }]) {
      expectError(
        await call(`${teamsPath(tenantId)}/${team.id}`, { method: "PATCH", body, cookie: member.cookie }),
        400,
        "validation_failed",
      );
    }
  });

  it("soft-deletes: then 404, links removed, its agents remain", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    const keep = await createTeam(tenantId, owner, { name: "Keep", agentIds: [agent.id] });
    const gone = await createTeam(tenantId, owner, { name: "Gone", agentIds: [agent.id] });
    const path = `${teamsPath(tenantId)}/${gone.id}`;

    expect((await call(path, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    expectError(await call(path, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "PATCH", body: { name: "x" }, cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "DELETE", cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${path}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie }), 404, "not_found");
    expect(await linkCount(gone.id)).toBe(0);
    expect((await call(teamsPath(tenantId), { cookie: owner.cookie })).body.data.map((t: any) => t.id)).toEqual([keep.id]);
    expect((await call(`/v1/tenants/${tenantId}/agents/${agent.id}`, { cookie: owner.cookie })).body.agent.teamIds).toEqual([keep.id]);
    // a deleted team cannot be named when creating an agent
    expectError(
      await call(`/v1/tenants/${tenantId}/agents`, { body: { name: "N", template: "pm", teamIds: [gone.id] }, cookie: owner.cookie }),
      404,
      "not_found",
    );
    const row = await env.DB.prepare("select deleted_at from teams where id = ?").bind(gone.id).first<{ deleted_at: number | null }>();
    expect(row!.deleted_at).toEqual(expect.any(Number));
  });
});

describe("listing teams", () => {
  it("pages by id with no duplicates or gaps", async () => {
    const { tenantId, owner } = await ownTenant();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createTeam(tenantId, owner, { name: `T${i}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: any } = await call(`${teamsPath(tenantId)}?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
        cookie: owner.cookie,
      });
      expect(res.status).toBe(200);
      if (pages === 0) await createTeam(tenantId, owner, { name: "Interloper" });
      seen.push(...res.body.data.map((t: any) => t.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen.filter((id) => created.includes(id))).toEqual([...created].sort());
  });
});

describe("plan limits", () => {
  it("the free plan allows 2 teams; the 3rd is 402 naming the limit; a deleted team frees its slot", async () => {
    const { tenantId, owner } = await ownTenant("free");
    const first = await createTeam(tenantId, owner, { name: "One" });
    await createTeam(tenantId, owner, { name: "Two" });
    const third = await call(teamsPath(tenantId), { body: { name: "Three" }, cookie: owner.cookie });
    expectError(third, 402, "plan_limit_exceeded");
    expect(third.body.error.details).toEqual({ limit: "teams", max: 2, plan: "free" });
    await call(`${teamsPath(tenantId)}/${first.id}`, { method: "DELETE", cookie: owner.cookie });
    expect((await call(teamsPath(tenantId), { body: { name: "Three" }, cookie: owner.cookie })).status).toBe(201);
  });

  it("a refused team leaves no membership rows behind", async () => {
    const { tenantId, owner } = await ownTenant("free");
    const { agent } = await createAgent(tenantId, owner);
    await createTeam(tenantId, owner, { name: "One" });
    await createTeam(tenantId, owner, { name: "Two" });
    expectError(
      await call(teamsPath(tenantId), { body: { name: "Three", agentIds: [agent.id] }, cookie: owner.cookie }),
      402,
      "plan_limit_exceeded",
    );
    const links = await env.DB.prepare("select count(*) as n from team_agents where agent_id = ?").bind(agent.id).first<{ n: number }>();
    expect(links!.n).toBe(0);
  });
});

describe("roles and tenants", () => {
  it("a viewer reads teams but cannot change them; a member can", async () => {
    const { tenantId, owner, member, viewer } = await ownTenant();
    const team = await createTeam(tenantId, owner);
    const { agent } = await createAgent(tenantId, owner);
    const path = `${teamsPath(tenantId)}/${team.id}`;
    const denied = await call(teamsPath(tenantId), { body: { name: "V" }, cookie: viewer.cookie });
    expectError(denied, 403, "forbidden");
    expect(denied.body.error.details).toEqual({ permission: "teams:write" });
    expectError(await call(path, { method: "PATCH", body: { name: "V" }, cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(path, { method: "DELETE", cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(`${path}/agents/${agent.id}`, { method: "PUT", cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(`${path}/agents/${agent.id}`, { method: "DELETE", cookie: viewer.cookie }), 403, "forbidden");
    expect((await call(path, { cookie: viewer.cookie })).status).toBe(200);
    expect((await call(teamsPath(tenantId), { cookie: viewer.cookie })).body.data).toHaveLength(1);

    expect((await call(`${path}/agents/${agent.id}`, { method: "PUT", cookie: member.cookie })).status).toBe(200);
    expect((await call(teamsPath(tenantId), { body: { name: "M" }, cookie: member.cookie })).status).toBe(201);
  });

  it("another tenant's team or agent answers 404 on every team route, and nothing changes", async () => {
    const { tenantId, owner } = await ownTenant();
    const other = await signup("other");
    const otherTenant = await createTenant(other);
    const foreignAgent = await createAgent(otherTenant, other);
    const foreignTeam = await createTeam(otherTenant, other, { agentIds: [foreignAgent.agent.id] });
    const myTeam = await createTeam(tenantId, owner);
    const { agent: myAgent } = await createAgent(tenantId, owner);

    const foreignPath = `${teamsPath(tenantId)}/${foreignTeam.id}`;
    expectError(await call(foreignPath, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(foreignPath, { method: "PATCH", body: { name: "x" }, cookie: owner.cookie }), 404, "not_found");
    expectError(await call(foreignPath, { method: "DELETE", cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${foreignPath}/agents/${myAgent.id}`, { method: "PUT", cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${foreignPath}/agents/${foreignAgent.agent.id}`, { method: "DELETE", cookie: owner.cookie }), 404, "not_found");
    // another tenant's agent into my team
    expectError(
      await call(`${teamsPath(tenantId)}/${myTeam.id}/agents/${foreignAgent.agent.id}`, { method: "PUT", cookie: owner.cookie }),
      404,
      "not_found",
    );
    expectError(
      await call(`${teamsPath(tenantId)}/${myTeam.id}/agents/${foreignAgent.agent.id}`, { method: "DELETE", cookie: owner.cookie }),
      404,
      "not_found",
    );
    // the other tenant's own paths
    expectError(await call(`${teamsPath(otherTenant)}/${foreignTeam.id}`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(teamsPath(otherTenant), { body: { name: "x" }, cookie: owner.cookie }), 404, "not_found");

    expect(await linkCount(myTeam.id)).toBe(0);
    expect(await linkCount(foreignTeam.id, foreignAgent.agent.id)).toBe(1);
    const stillThere = await call(`${teamsPath(otherTenant)}/${foreignTeam.id}`, { cookie: other.cookie });
    expect(stillThere.body.team).toMatchObject({ name: "Team", agentIds: [foreignAgent.agent.id] });
  });
});

describe("audit", () => {
  it("writes one audit row per team mutation", async () => {
    const { tenantId, owner } = await ownTenant();
    const a = await createAgent(tenantId, owner, "A");
    const b = await createAgent(tenantId, owner, "B");
    const team = await createTeam(tenantId, owner, { name: "Audited", agentIds: [a.agent.id] });
    const path = `${teamsPath(tenantId)}/${team.id}`;
    await call(path, { method: "PATCH", body: { description: "now described" }, cookie: owner.cookie });
    await call(`${path}/agents/${b.agent.id}`, { method: "PUT", cookie: owner.cookie });
    await call(`${path}/agents/${a.agent.id}`, { method: "DELETE", cookie: owner.cookie });
    await call(path, { method: "DELETE", cookie: owner.cookie });

    const rows = await auditRows(team.id);
    expect(rows.map((r) => r.action).sort()).toEqual([
      "team.agent_added",
      "team.agent_removed",
      "team.created",
      "team.deleted",
      "team.updated",
    ]);
    for (const row of rows) expect(row).toMatchObject({ tenant_id: tenantId, actor_id: owner.id, severity: "info" });
    // Every event carries the id of the request that caused it; the rest is compared exactly.
    for (const row of rows) expect(row.details.requestId).toMatch(/^req_/);
    const byAction = Object.fromEntries(rows.map((r) => [r.action, (({ requestId: _requestId, ...rest }) => rest)(r.details)]));
    // Every team event names the team's project, so audit views can filter by project (docs/projects.md).
    const projectId = defaultProjectId(tenantId);
    expect(byAction["team.created"]).toEqual({ name: "Audited", agentIds: [a.agent.id], projectId });
    expect(byAction["team.updated"]).toEqual({
      changed: ["description"],
      from: { description: "" },
      to: { description: "now described" },
      projectId,
    });
    expect(byAction["team.agent_added"]).toEqual({ agentId: b.agent.id, projectId });
    expect(byAction["team.agent_removed"]).toEqual({ agentId: a.agent.id, projectId });
    expect(byAction["team.deleted"]).toEqual({ name: "Audited", removedAgentIds: [b.agent.id], projectId });
  });
});
