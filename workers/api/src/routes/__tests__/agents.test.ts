import { defaultProjectId } from "../../../../shared/projects";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { AGENT_TEMPLATES, TEMPLATE_DEFAULTS } from "../../../../shared/agent-templates";
import { hashSecret, secretMatches } from "../../../../shared/crypto/secrets";
import type { PlanId } from "../../../../shared/plans";
import {
  call,
  createTenant,
  expectError,
  signup,
  tenantWithRoles,
  type CallResult,
  type TestUser,
} from "../../../../../test/workers/harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const agentsPath = (tenantId: string) => `/v1/tenants/${tenantId}/agents`;

async function createAgent(tenantId: string, user: TestUser, body: Record<string, unknown> = {}) {
  const res = await call(agentsPath(tenantId), { body: { name: "Agent", template: "pm", ...body }, cookie: user.cookie });
  if (res.status !== 201) throw new Error(`create agent failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { agent: { id: string; secretPrefix: string; teamIds: string[] } & Record<string, any>; secret: string };
}

async function createTeam(tenantId: string, user: TestUser, name = "Team") {
  const res = await call(`/v1/tenants/${tenantId}/teams`, { body: { name }, cookie: user.cookie });
  if (res.status !== 201) throw new Error(`create team failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.team.id as string;
}

async function setPlan(tenantId: string, plan: PlanId) {
  await env.DB.prepare("update tenants set plan = ? where id = ?").bind(plan, tenantId).run();
}

async function storedAgent(agentId: string) {
  return (await env.DB.prepare("select * from agents where id = ?").bind(agentId).first<Record<string, any>>())!;
}

async function auditRows(targetId: string): Promise<Array<Record<string, any>>> {
  const rows = await auditResults<Record<string, any>>(
    "select action, severity, outcome, actor_id, tenant_id, details from audit_events where target_id = ?",
    targetId,
  );
  return rows.results.map((r) => ({ ...r, details: JSON.parse(r.details) }));
}

function expectNoSecret(res: CallResult, ...secrets: string[]) {
  const text = JSON.stringify(res.body);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

async function ownTenant(plan: PlanId = "team") {
  const t = await tenantWithRoles();
  await setPlan(t.tenantId, plan);
  return t;
}

describe("creating agents", () => {
  it("fills tool categories from each template's defaults and the trust level from the tenant config", async () => {
    const { tenantId, owner } = await ownTenant();
    for (const template of AGENT_TEMPLATES) {
      const { agent } = await createAgent(tenantId, owner, { name: `${template} agent`, template });
      expect(agent).toMatchObject({
        template,
        toolCategories: TEMPLATE_DEFAULTS[template].tools,
        trustLevel: 1,
        status: "active",
        teamIds: [],
        description: "",
      });
    }
    expect(TEMPLATE_DEFAULTS.custom.tools).toEqual([]);

    expect(
      (await call(`/v1/tenants/${tenantId}`, { method: "PATCH", body: { config: { defaultTrustLevel: 3 } }, cookie: owner.cookie })).status,
    ).toBe(200);
    const { agent } = await createAgent(tenantId, owner, { template: "ops" });
    expect(agent.trustLevel).toBe(3);
  });

  it("takes explicit tool categories, trust level and description over the defaults", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner, {
      template: "custom",
      toolCategories: ["crm", "docs"],
      trustLevel: 0,
      description: "Does CRM things",
    });
    expect(agent).toMatchObject({ toolCategories: ["crm", "docs"], trustLevel: 0, description: "Does CRM things" });
    const stored = await storedAgent(agent.id);
    expect(JSON.parse(stored.tool_categories)).toEqual(["crm", "docs"]);
    expect(stored.trust_level).toBe(0);
  });

  it("adds the new agent to the given teams of its tenant", async () => {
    const { tenantId, owner } = await ownTenant();
    const [t1, t2] = [await createTeam(tenantId, owner, "One"), await createTeam(tenantId, owner, "Two")];
    const { agent } = await createAgent(tenantId, owner, { teamIds: [t2, t1, t2] });
    expect(agent.teamIds).toEqual([t1, t2].sort());
    const links = await env.DB.prepare("select team_id from team_agents where agent_id = ? order by team_id")
      .bind(agent.id)
      .all<{ team_id: string }>();
    expect(links.results.map((l) => l.team_id)).toEqual([t1, t2].sort());
    const team = await call(`/v1/tenants/${tenantId}/teams/${t1}`, { cookie: owner.cookie });
    expect(team.body.team.agentIds).toEqual([agent.id]);
  });

  it("refuses a team of another tenant (404 naming it) before creating anything", async () => {
    const { tenantId, owner } = await ownTenant();
    const other = await signup("other");
    const otherTenant = await createTenant(other);
    const foreignTeam = await createTeam(otherTenant, other);
    const res = await call(agentsPath(tenantId), { body: { name: "A", template: "pm", teamIds: [foreignTeam] }, cookie: owner.cookie });
    expectError(res, 404, "not_found");
    expect(res.body.error.message).toContain(foreignTeam);
    expectError(
      await call(agentsPath(tenantId), { body: { name: "A", template: "pm", teamIds: ["team_nope"] }, cookie: owner.cookie }),
      404,
      "not_found",
    );
    const count = await env.DB.prepare("select count(*) as n from agents where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(0);
  });

  it("refuses bad input with 400 validation_failed naming the field", async () => {
    const { tenantId, owner } = await ownTenant();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "A", template: "wizard" }, "template"],
      [{ name: "A", template: "pm", toolCategories: ["docs", "teleport"] }, "toolCategories.1"],
      [{ name: "A", template: "pm", toolCategories: ["docs", "docs"] }, "toolCategories"],
      [{ name: "A", template: "pm", trustLevel: 7 }, "trustLevel"],
      [{ name: "A", template: "pm", trustLevel: 1.5 }, "trustLevel"],
      [{ name: "A", template: "pm", secret: "sba_mine" }, ""],
      [{ name: "   ", template: "pm" }, "name"],
      [{ template: "pm" }, "name"],
      [{ name: 42, template: "pm" }, "name"],
    ];
    for (const [body, path] of cases) {
      const res = await call(agentsPath(tenantId), { body, cookie: owner.cookie });
      expectError(res, 400, "validation_failed");
      expect(
        res.body.error.details.issues.map((i: any) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    const unknownField = await call(agentsPath(tenantId), {
      body: { name: "A", template: "pm", secret: "sba_mine" },
      cookie: owner.cookie,
    });
    expect(unknownField.body.error.details.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["secret"] });
    const count = await env.DB.prepare("select count(*) as n from agents where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(0);
  });
});

describe("agent secrets", () => {
  it("returns the secret once at creation, stores only its hash, and never returns it again", async () => {
    const { tenantId, owner, viewer } = await ownTenant();
    const teamId = await createTeam(tenantId, owner);
    const { agent, secret } = await createAgent(tenantId, owner, { teamIds: [teamId] });
    expect(secret).toMatch(/^sba_[A-Za-z0-9_-]{43}$/);
    expect(agent.secretPrefix).toBe(secret.slice(0, 12));
    expect(agent).not.toHaveProperty("secret");
    expect(agent).not.toHaveProperty("secretHash");

    const stored = await storedAgent(agent.id);
    expect(stored.secret_hash).toBe(await hashSecret(secret));
    expect(await secretMatches(secret, stored.secret_hash)).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(secret);

    const path = `${agentsPath(tenantId)}/${agent.id}`;
    const responses = [
      await call(path, { cookie: owner.cookie }),
      await call(path, { cookie: viewer.cookie }),
      await call(agentsPath(tenantId), { cookie: owner.cookie }),
      await call(`${agentsPath(tenantId)}?status=active&template=pm`, { cookie: owner.cookie }),
      await call(path, { method: "PATCH", body: { name: "Renamed" }, cookie: owner.cookie }),
      await call(`${path}/suspend`, { method: "POST", cookie: owner.cookie }),
      await call(`${path}/resume`, { method: "POST", cookie: owner.cookie }),
      await call(`/v1/tenants/${tenantId}/teams/${teamId}`, { cookie: owner.cookie }),
      await call(`/v1/tenants/${tenantId}/teams`, { cookie: owner.cookie }),
      await call(`/v1/tenants/${tenantId}/teams/${teamId}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie }),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expectNoSecret(res, secret, stored.secret_hash);
    }
    expect(JSON.stringify(responses[0]!.body)).toContain(agent.secretPrefix);
    for (const row of await auditRows(agent.id)) expect(JSON.stringify(row)).not.toContain(secret);
  });

  it("rotation returns a new secret once; the old one stops matching the stored hash", async () => {
    const { tenantId, owner, admin } = await ownTenant();
    const { agent, secret: oldSecret } = await createAgent(tenantId, owner);
    const before = await storedAgent(agent.id);

    const res = await call(`${agentsPath(tenantId)}/${agent.id}/rotate-secret`, { method: "POST", cookie: admin.cookie });
    expect(res.status).toBe(200);
    const newSecret: string = res.body.secret;
    expect(newSecret).toMatch(/^sba_[A-Za-z0-9_-]{43}$/);
    expect(newSecret).not.toBe(oldSecret);
    expect(res.body.agent).toMatchObject({ id: agent.id, secretPrefix: newSecret.slice(0, 12) });
    expectNoSecret(res, oldSecret);

    const after = await storedAgent(agent.id);
    expect(await secretMatches(oldSecret, after.secret_hash)).toBe(false);
    expect(await secretMatches(newSecret, after.secret_hash)).toBe(true);
    expect(after.secret_rotated_at).toBeGreaterThanOrEqual(before.secret_rotated_at);
    expect(new Date(res.body.agent.secretRotatedAt).getTime()).toBe(after.secret_rotated_at);

    // the owner may rotate too; each rotation invalidates the previous secret
    const again = await call(`${agentsPath(tenantId)}/${agent.id}/rotate-secret`, { method: "POST", cookie: owner.cookie });
    expect(again.status).toBe(200);
    const latest = await storedAgent(agent.id);
    expect(await secretMatches(newSecret, latest.secret_hash)).toBe(false);
    expect(await secretMatches(again.body.secret, latest.secret_hash)).toBe(true);

    const get = await call(`${agentsPath(tenantId)}/${agent.id}`, { cookie: owner.cookie });
    expectNoSecret(get, oldSecret, newSecret, again.body.secret);
    const rotations = (await auditRows(agent.id)).filter((r) => r.action === "agent.secret_rotated");
    expect(rotations).toHaveLength(2);
    for (const r of rotations) {
      expect(r.severity).toBe("warning");
      expect(JSON.stringify(r)).not.toContain(newSecret);
      expect(JSON.stringify(r)).not.toContain(again.body.secret);
    }
  });
});

describe("roles", () => {
  it("a member builds agents but cannot rotate secrets; a viewer only reads", async () => {
    const { tenantId, member, viewer } = await ownTenant();
    const { agent } = await createAgent(tenantId, member);
    const path = `${agentsPath(tenantId)}/${agent.id}`;
    expect((await call(path, { method: "PATCH", body: { trustLevel: 2 }, cookie: member.cookie })).status).toBe(200);
    expect((await call(`${path}/suspend`, { method: "POST", cookie: member.cookie })).status).toBe(200);
    const rotate = await call(`${path}/rotate-secret`, { method: "POST", cookie: member.cookie });
    expectError(rotate, 403, "forbidden");
    expect(rotate.body.error.details).toEqual({ permission: "agents:credentials" });

    const viewerCreate = await call(agentsPath(tenantId), { body: { name: "V", template: "pm" }, cookie: viewer.cookie });
    expectError(viewerCreate, 403, "forbidden");
    expect(viewerCreate.body.error.details).toEqual({ permission: "agents:write" });
    // access is checked before validation, so a viewer learns nothing from a bad body either
    expectError(await call(agentsPath(tenantId), { body: { template: "nope" }, cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(path, { method: "PATCH", body: { name: "x" }, cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(path, { method: "DELETE", cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(`${path}/resume`, { method: "POST", cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(`${path}/rotate-secret`, { method: "POST", cookie: viewer.cookie }), 403, "forbidden");
    expect((await call(path, { cookie: viewer.cookie })).status).toBe(200);
    expect((await call(agentsPath(tenantId), { cookie: viewer.cookie })).body.data).toHaveLength(1);
    expect((await storedAgent(agent.id)).status).toBe("suspended");
  });

  it("a signed-out caller gets 401", async () => {
    const { tenantId } = await ownTenant();
    expectError(await call(agentsPath(tenantId)), 401, "unauthenticated");
    expectError(await call(agentsPath(tenantId), { body: { name: "A", template: "pm" } }), 401, "unauthenticated");
  });
});

describe("suspend and resume", () => {
  it("suspends and resumes, answering 409 when repeated", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    const path = `${agentsPath(tenantId)}/${agent.id}`;
    const suspended = await call(`${path}/suspend`, { method: "POST", cookie: owner.cookie });
    expect(suspended.status).toBe(200);
    expect(suspended.body.agent.status).toBe("suspended");
    const again = await call(`${path}/suspend`, { method: "POST", cookie: owner.cookie });
    expectError(again, 409, "conflict");
    expect(again.body.error.message).toMatch(/already suspended/);
    expect((await call(path, { cookie: owner.cookie })).body.agent.status).toBe("suspended");

    const resumed = await call(`${path}/resume`, { method: "POST", cookie: owner.cookie });
    expect(resumed.status).toBe(200);
    expect(resumed.body.agent.status).toBe("active");
    const resumeAgain = await call(`${path}/resume`, { method: "POST", cookie: owner.cookie });
    expectError(resumeAgain, 409, "conflict");
    expect(resumeAgain.body.error.message).toMatch(/not suspended/);
  });

  it("of two racing suspends exactly one succeeds", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    const results = await Promise.all(
      [1, 2, 3].map(() => call(`${agentsPath(tenantId)}/${agent.id}/suspend`, { method: "POST", cookie: owner.cookie })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect((await auditRows(agent.id)).filter((r) => r.action === "agent.suspended")).toHaveLength(1);
  });

  it("answers 404, not 409, for an unknown or deleted agent", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    await call(`${agentsPath(tenantId)}/${agent.id}`, { method: "DELETE", cookie: owner.cookie });
    expectError(await call(`${agentsPath(tenantId)}/${agent.id}/suspend`, { method: "POST", cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${agentsPath(tenantId)}/agt_missing/resume`, { method: "POST", cookie: owner.cookie }), 404, "not_found");
  });
});

describe("updating agents", () => {
  it("changes only the given fields", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner, { template: "engineering", description: "keep me" });
    const res = await call(`${agentsPath(tenantId)}/${agent.id}`, {
      method: "PATCH",
      body: { name: "Eng 2", toolCategories: ["code"], trustLevel: 4 },
      cookie: owner.cookie,
    });
    expect(res.status).toBe(200);
    expect(res.body.agent).toMatchObject({
      name: "Eng 2",
      toolCategories: ["code"],
      trustLevel: 4,
      description: "keep me",
      template: "engineering",
    });
    expect((await call(`${agentsPath(tenantId)}/${agent.id}`, { cookie: owner.cookie })).body.agent).toMatchObject({
      name: "Eng 2",
      trustLevel: 4,
    });
  });

  it("refuses bad updates with 400 validation_failed", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent } = await createAgent(tenantId, owner);
    const path = `${agentsPath(tenantId)}/${agent.id}`;
    for (const body of [
      {},
      { trustLevel: 7 },
      { trustLevel: -1 },
      { toolCategories: ["docs", "docs"] },
      { toolCategories: ["lasers"] },
      { template: "wizard" },
      { status: "suspended" },
      { secretHash: "x" },
      { name: "" },
    ]) {
      expectError(await call(path, { method: "PATCH", body, cookie: owner.cookie }), 400, "validation_failed");
    }
    expect((await storedAgent(agent.id)).status).toBe("active");
    expect((await storedAgent(agent.id)).template).toBe("pm");
  });
});

describe("deleting agents", () => {
  it("soft-deletes: then 404 everywhere, gone from lists and from its teams, row kept", async () => {
    const { tenantId, owner } = await ownTenant();
    const [t1, t2] = [await createTeam(tenantId, owner, "One"), await createTeam(tenantId, owner, "Two")];
    const { agent } = await createAgent(tenantId, owner, { teamIds: [t1, t2] });
    const { agent: stays } = await createAgent(tenantId, owner, { teamIds: [t1] });
    const path = `${agentsPath(tenantId)}/${agent.id}`;

    expect((await call(path, { method: "DELETE", cookie: owner.cookie })).status).toBe(204);
    expectError(await call(path, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "PATCH", body: { name: "x" }, cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "DELETE", cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${path}/rotate-secret`, { method: "POST", cookie: owner.cookie }), 404, "not_found");
    expect((await call(agentsPath(tenantId), { cookie: owner.cookie })).body.data.map((a: any) => a.id)).toEqual([stays.id]);

    const team1 = await call(`/v1/tenants/${tenantId}/teams/${t1}`, { cookie: owner.cookie });
    expect(team1.body.team.agentIds).toEqual([stays.id]);
    expect(team1.body.agents.map((a: any) => a.id)).toEqual([stays.id]);
    expect((await call(`/v1/tenants/${tenantId}/teams/${t2}`, { cookie: owner.cookie })).body.team.agentIds).toEqual([]);
    const links = await env.DB.prepare("select count(*) as n from team_agents where agent_id = ?").bind(agent.id).first<{ n: number }>();
    expect(links!.n).toBe(0);
    // a deleted agent cannot be put back into a team
    expectError(
      await call(`/v1/tenants/${tenantId}/teams/${t1}/agents/${agent.id}`, { method: "PUT", cookie: owner.cookie }),
      404,
      "not_found",
    );

    const stored = await storedAgent(agent.id);
    expect(stored.deleted_at).toEqual(expect.any(Number));
    const deleted = (await auditRows(agent.id)).find((r) => r.action === "agent.deleted");
    expect(deleted!.details.removedFromTeams).toEqual([t1, t2].sort());
  });
});

describe("listing agents", () => {
  it("pages by id with no duplicates or gaps while agents are created between pages", async () => {
    const { tenantId, owner } = await ownTenant();
    const originals: string[] = [];
    for (let i = 0; i < 7; i++) originals.push((await createAgent(tenantId, owner, { name: `Agent ${i}` })).agent.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${agentsPath(tenantId)}?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      // a concurrent create lands between the first and second page
      const [page]: [CallResult, unknown] = await Promise.all([
        call(url, { cookie: owner.cookie }),
        pages === 1 ? createAgent(tenantId, owner, { name: "Interloper" }) : null,
      ]);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      for (const a of page.body.data) expect(a.teamIds).toEqual([]);
      seen.push(...page.body.data.map((a: any) => a.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen.filter((id) => originals.includes(id))).toEqual([...originals].sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("filters by status and template, and pages within the filter", async () => {
    const { tenantId, owner } = await ownTenant();
    const pm1 = (await createAgent(tenantId, owner, { template: "pm" })).agent.id;
    const ops = (await createAgent(tenantId, owner, { template: "ops" })).agent.id;
    const pm2 = (await createAgent(tenantId, owner, { template: "pm" })).agent.id;
    const pm3 = (await createAgent(tenantId, owner, { template: "pm" })).agent.id;
    await call(`${agentsPath(tenantId)}/${pm2}/suspend`, { method: "POST", cookie: owner.cookie });
    await call(`${agentsPath(tenantId)}/${ops}/suspend`, { method: "POST", cookie: owner.cookie });
    const ids = async (query: string) => {
      const res = await call(`${agentsPath(tenantId)}?${query}`, { cookie: owner.cookie });
      expect(res.status).toBe(200);
      return res.body.data.map((a: any) => a.id);
    };
    expect(await ids("template=pm")).toEqual([pm1, pm2, pm3].sort());
    expect(await ids("status=suspended")).toEqual([ops, pm2].sort());
    expect(await ids("status=active&template=pm")).toEqual([pm1, pm3].sort());
    expect(await ids("status=active&template=support")).toEqual([]);

    const first = await call(`${agentsPath(tenantId)}?template=pm&limit=2`, { cookie: owner.cookie });
    expect(first.body.data).toHaveLength(2);
    const second = await call(`${agentsPath(tenantId)}?template=pm&limit=2&cursor=${first.body.nextCursor}`, { cookie: owner.cookie });
    expect([...first.body.data, ...second.body.data].map((a: any) => a.id)).toEqual([pm1, pm2, pm3].sort());
    expect(second.body.nextCursor).toBeNull();

    for (const query of ["status=deleted", "template=wizard", "limit=0", "limit=101", "cursor=garbage", "colour=blue"]) {
      expectError(await call(`${agentsPath(tenantId)}?${query}`, { cookie: owner.cookie }), 400, "validation_failed");
    }
  });

  it("includes each agent's teams in list items", async () => {
    const { tenantId, owner } = await ownTenant();
    const [t1, t2] = [await createTeam(tenantId, owner, "One"), await createTeam(tenantId, owner, "Two")];
    const a = (await createAgent(tenantId, owner, { teamIds: [t1, t2] })).agent.id;
    const b = (await createAgent(tenantId, owner, { teamIds: [t2] })).agent.id;
    const c = (await createAgent(tenantId, owner)).agent.id;
    const res = await call(agentsPath(tenantId), { cookie: owner.cookie });
    const byId = Object.fromEntries(res.body.data.map((x: any) => [x.id, x.teamIds]));
    expect(byId).toEqual({ [a]: [t1, t2].sort(), [b]: [t2], [c]: [] });
  });
});

describe("plan limits", () => {
  it("the free plan allows 5 agents; the 6th is 402 naming the limit; deleted agents do not count", async () => {
    const { tenantId, owner } = await ownTenant("free");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createAgent(tenantId, owner, { name: `A${i}` })).agent.id);
    const sixth = await call(agentsPath(tenantId), { body: { name: "A5", template: "pm" }, cookie: owner.cookie });
    expectError(sixth, 402, "plan_limit_exceeded");
    expect(sixth.body.error.details).toEqual({ limit: "agents", max: 5, plan: "free" });
    const count = await env.DB.prepare("select count(*) as n from agents where tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(count!.n).toBe(5);

    await call(`${agentsPath(tenantId)}/${ids[0]}`, { method: "DELETE", cookie: owner.cookie });
    expect((await call(agentsPath(tenantId), { body: { name: "A5", template: "pm" }, cookie: owner.cookie })).status).toBe(201);
  });

  it("concurrent creates cannot overshoot the limit", async () => {
    const { tenantId, owner } = await ownTenant("free");
    await createAgent(tenantId, owner);
    await createAgent(tenantId, owner);
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => call(agentsPath(tenantId), { body: { name: `R${i}`, template: "ops" }, cookie: owner.cookie })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 402)).toHaveLength(3);
    const count = await env.DB.prepare("select count(*) as n from agents where tenant_id = ? and deleted_at is null")
      .bind(tenantId)
      .first<{ n: number }>();
    expect(count!.n).toBe(5);
  });
});

describe("cross-tenant isolation", () => {
  it("another tenant's agent answers 404 on every agent route, and is left untouched", async () => {
    const { tenantId, owner } = await ownTenant();
    const other = await signup("other");
    const otherTenant = await createTenant(other);
    const { agent: foreign } = await createAgent(otherTenant, other);
    const path = `${agentsPath(tenantId)}/${foreign.id}`;
    expectError(await call(path, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "PATCH", body: { name: "hijacked" }, cookie: owner.cookie }), 404, "not_found");
    expectError(await call(path, { method: "DELETE", cookie: owner.cookie }), 404, "not_found");
    for (const action of ["suspend", "resume", "rotate-secret"]) {
      expectError(await call(`${path}/${action}`, { method: "POST", cookie: owner.cookie }), 404, "not_found");
    }
    // and the other tenant's own path is invisible to this user
    expectError(await call(`${agentsPath(otherTenant)}/${foreign.id}`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(agentsPath(otherTenant), { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(agentsPath(otherTenant), { body: { name: "x", template: "pm" }, cookie: owner.cookie }), 404, "not_found");

    const stored = await storedAgent(foreign.id);
    expect(stored).toMatchObject({ name: "Agent", status: "active", deleted_at: null, secret_prefix: foreign.secretPrefix });
    expect((await call(agentsPath(tenantId), { cookie: owner.cookie })).body.data).toEqual([]);
  });
});

describe("audit", () => {
  it("writes one audit row per mutation, with the actor and no secret", async () => {
    const { tenantId, owner } = await ownTenant();
    const { agent, secret } = await createAgent(tenantId, owner, { template: "support" });
    const path = `${agentsPath(tenantId)}/${agent.id}`;
    await call(path, { method: "PATCH", body: { name: "Helpdesk", trustLevel: 2 }, cookie: owner.cookie });
    await call(`${path}/suspend`, { method: "POST", cookie: owner.cookie });
    await call(`${path}/suspend`, { method: "POST", cookie: owner.cookie }); // 409: not a mutation
    await call(`${path}/resume`, { method: "POST", cookie: owner.cookie });
    const rotated = await call(`${path}/rotate-secret`, { method: "POST", cookie: owner.cookie });
    await call(path, { method: "DELETE", cookie: owner.cookie });

    const rows = await auditRows(agent.id);
    const byAction = Object.fromEntries(rows.map((r) => [r.action, r]));
    expect(rows.map((r) => r.action).sort()).toEqual([
      "agent.created",
      "agent.deleted",
      "agent.resumed",
      "agent.secret_rotated",
      "agent.suspended",
      "agent.updated",
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ tenant_id: tenantId, actor_id: owner.id, outcome: "success" });
      expect(JSON.stringify(row)).not.toContain(secret);
      expect(JSON.stringify(row)).not.toContain(rotated.body.secret);
    }
    expect(byAction["agent.created"].details).toMatchObject({
      template: "support",
      toolCategories: TEMPLATE_DEFAULTS.support.tools,
      trustLevel: 1,
    });
    // Every agent event names the agent's project, so audit views can filter by project (docs/projects.md), and the request that caused it.
    expect(byAction["agent.updated"].details).toEqual({
      changed: ["name", "trustLevel"],
      from: { name: "Agent", trustLevel: 1 },
      to: { name: "Helpdesk", trustLevel: 2 },
      projectId: defaultProjectId(tenantId),
      requestId: expect.stringMatching(/^req_/),
    });
    for (const row of rows) expect(row.details).toMatchObject({ projectId: defaultProjectId(tenantId) });
    expect(byAction["agent.suspended"].severity).toBe("warning");
    expect(byAction["agent.secret_rotated"].severity).toBe("warning");
    expect(byAction["agent.resumed"].severity).toBe("info");
  });
});
