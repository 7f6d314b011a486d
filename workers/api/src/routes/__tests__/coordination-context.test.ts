/**
 * Hand-offs (versions, read receipts, allowlist), memory (FTS5 recall, tags, privacy, quotas,
 * TTL), discovery, workflow runs, the audit trail of coordination, and isolation between teams.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { as, coordFixture, coordPath, openAllowlist, sleep, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { call, expectError } from "../../../../../test/workers/harness";
import { setAllowlist } from "../../../../../test/workers/relay-harness";

let f: CoordFixture;
beforeAll(async () => {
  f = await coordFixture([{ template: "pm" }, { template: "engineering" }, { template: "ops", trustLevel: 0 }]);
  await openAllowlist(f);
});
const [PM, ENG, OPS] = [0, 1, 2];
const agent = (i: number) => as(f, f.agents[i]!);

describe("hand-offs", () => {
  it("versioned by key and recipient, with read receipts the author can see", async () => {
    const v1 = await agent(PM).post("/v1/agent/handoffs", {
      to: f.agents[ENG]!.id,
      key: "sprint-42",
      title: "Sprint 42",
      done: "Planned 5 tickets",
      next: "Build them",
      links: [{ title: "board", url: "https://example.test/b" }],
      context: { tickets: [1, 2] },
    });
    expect(v1.status).toBe(200);
    expect(v1.body.handoff).toMatchObject({
      key: "sprint-42",
      version: 1,
      to: f.agents[ENG]!.id,
      readAt: null,
      from: { type: "agent", id: f.agents[PM]!.id },
    });
    const v2 = await agent(PM).post("/v1/agent/handoffs", {
      to: f.agents[ENG]!.id,
      key: "sprint-42",
      title: "Sprint 42 (rev)",
      next: "Also ticket 6",
    });
    expect(v2.body.handoff.version).toBe(2);
    const read = await agent(ENG).post("/v1/agent/handoffs/read", {});
    expect(read.body.handoffs.map((h: { version: number }) => h.version)).toEqual([2, 1]);
    expect(read.body.handoffs.every((h: { readAt: string | null }) => h.readAt !== null)).toBe(true);
    expect((await agent(ENG).post("/v1/agent/handoffs/read", {})).body.handoffs).toEqual([]);
    expect((await agent(ENG).post("/v1/agent/handoffs/read", { unreadOnly: false, key: "sprint-42" })).body.handoffs).toHaveLength(2);
    const sent = await agent(PM).get("/v1/agent/handoffs/sent");
    expect(sent.body.handoffs.find((h: { id: string }) => h.id === v1.body.handoff.id).readAt).not.toBeNull();
    // Another agent does not see hand-offs left for someone else.
    expect((await agent(OPS).post("/v1/agent/handoffs/read", { unreadOnly: false })).body.handoffs).toEqual([]);
    const dashboard = await call(coordPath(f, `/handoffs?key=sprint-42`), { cookie: f.viewer.cookie });
    expect(dashboard.body.handoffs).toHaveLength(2);
  });

  it("the allowlist decides who may hand off to whom; unknown recipients are 404", async () => {
    await setAllowlist(f, { edges: [{ from: { kind: "role", id: "pm" }, to: { kind: "role", id: "engineering" } }] });
    await sleep(1_100);
    expectError(await agent(ENG).post("/v1/agent/handoffs", { to: f.agents[PM]!.id, title: "back" }), 403, "not_allowed");
    expect((await agent(PM).post("/v1/agent/handoffs", { to: f.agents[ENG]!.id, title: "fwd" })).status).toBe(200);
    expectError(await agent(PM).post("/v1/agent/handoffs", { to: "agt_not_in_team", title: "?" }), 404, "not_found");
    await openAllowlist(f);
    await sleep(1_100);
  });
});

describe("memory", () => {
  it("full-text recall ranks matches (FTS5), tags filter, private entries stay private", async () => {
    const pm = agent(PM);
    await pm.post("/v1/agent/memory", {
      content: "The deploy pipeline needs the canary stage before production",
      kind: "procedural",
      scope: "team",
      tags: ["deploy", "runbook"],
    });
    await pm.post("/v1/agent/memory", { content: "Customer Acme asked about SSO pricing", kind: "episodic", tags: ["sales"] });
    await pm.post("/v1/agent/memory", { content: "Working note: canary looked healthy", kind: "working", tags: ["deploy"], ttlSeconds: 1 });
    const byText = await pm.post("/v1/agent/memory/recall", { query: "canary" });
    expect(byText.body.memories.map((m: { content: string }) => m.content)).toEqual(
      expect.arrayContaining(["The deploy pipeline needs the canary stage before production", "Working note: canary looked healthy"]),
    );
    const prefix = await pm.post("/v1/agent/memory/recall", { query: "pipel*" });
    expect(prefix.body.memories).toHaveLength(1);
    const byTags = await pm.post("/v1/agent/memory/recall", { tags: ["deploy", "runbook"] });
    expect(byTags.body.memories).toHaveLength(1);
    // Eng sees the team's procedural entry, not the PM's private ones.
    const eng = await agent(ENG).post("/v1/agent/memory/recall", { query: "canary OR Acme" });
    expect(eng.body.memories.map((m: { scope: string }) => m.scope)).toEqual(["team"]);
    // Odd FTS syntax is searched literally instead of failing.
    expect((await pm.post("/v1/agent/memory/recall", { query: 'SSO "pricing' })).status).toBe(200);
    // TTL: the working note is gone after a second.
    await sleep(1_100);
    expect((await pm.post("/v1/agent/memory/recall", { query: "healthy" })).body.memories).toEqual([]);
    // People browse everything, by search too.
    const browse = await call(coordPath(f, "/memory?q=Acme"), { cookie: f.viewer.cookie });
    expect(browse.body.memories).toHaveLength(1);
  });

  it("quotas: a trust-0 agent's private memory stops at 256 KiB, and it may not write team memory", async () => {
    const ops = agent(OPS);
    const big = "x".repeat(16_000);
    for (let i = 0; i < 16; i++) expect((await ops.post("/v1/agent/memory", { content: big })).status).toBe(200);
    const over = await ops.post("/v1/agent/memory", { content: big });
    expectError(over, 409, "quota_exceeded");
    expect(over.body.error.details).toMatchObject({ scope: "agent", quotaBytes: 256 * 1024 });
    expectError(await ops.post("/v1/agent/memory", { content: "team note", scope: "team" }), 403, "not_allowed");
    const usage = await call(coordPath(f, "/memory/usage"), { cookie: f.viewer.cookie });
    expect(usage.body.agents.find((a: { agentId: string }) => a.agentId === f.agents[OPS]!.id).bytes).toBe(16 * 16_000);
    // Forgetting frees quota.
    const mine = await ops.post("/v1/agent/memory/recall", { limit: 1 });
    expect((await ops.del(`/v1/agent/memory/${mine.body.memories[0].id}`)).body).toEqual({ deleted: true });
    expect((await ops.post("/v1/agent/memory", { content: big })).status).toBe(200);
    // Nobody else's entry can be deleted by an agent.
    expectError(await agent(PM).del(`/v1/agent/memory/${mine.body.memories[0].id}`), 404, "not_found");
  });
});

describe("discovery", () => {
  it("heartbeats advertise capabilities and status; every agent shows online or not", async () => {
    const hb = await agent(ENG).post("/v1/agent/heartbeat", { capabilities: ["typescript", "reviews"], status: "reviewing PR 12" });
    expect(hb.body.agent).toMatchObject({
      agentId: f.agents[ENG]!.id,
      online: true,
      capabilities: ["engineering", "typescript", "reviews"],
      statusText: "reviewing PR 12",
    });
    const list = await call(coordPath(f, "/agents"), { cookie: f.viewer.cookie });
    expect(list.body.agents).toHaveLength(3);
    expect(list.body.agents.find((a: { agentId: string }) => a.agentId === f.agents[ENG]!.id)).toMatchObject({
      online: true,
      template: "engineering",
    });
    // A capability advertised by heartbeat lets the agent claim tasks wanting it.
    const t = await call(coordPath(f, "/tasks"), { body: { title: "review", capability: "reviews" }, cookie: f.owner.cookie });
    expect((await agent(ENG).post("/v1/agent/tasks/claim", {})).body.task.id).toBe(t.body.task.id);
  });
});

describe("workflows", () => {
  it("sprint hand-off: PM → Engineering → Ops, each completion hands off to the next agent", async () => {
    const started = await call(coordPath(f, "/workflows"), {
      body: { template: "sprint-handoff", title: "Sprint 7", details: "Goal: SSO" },
      cookie: f.owner.cookie,
    });
    expect(started.status).toBe(201);
    const run = started.body.run;
    expect(run.steps.map((s: { state: string }) => s.state)).toEqual(["queued", "blocked", "blocked"]);
    expect(run.steps.map((s: { assignee: string }) => s.assignee)).toEqual(f.agents.map((a) => a.id));
    const plan = await agent(PM).post("/v1/agent/tasks/claim", { taskId: run.steps[0].taskId });
    await agent(PM).post("/v1/agent/tasks/complete", {
      taskId: plan.body.task.id,
      claimToken: plan.body.task.claimToken,
      result: { plan: "SSO in 3 tickets" },
    });
    const toEng = await agent(ENG).post("/v1/agent/handoffs/read", { key: `${run.id}:build` });
    expect(toEng.body.handoffs).toHaveLength(1);
    expect(toEng.body.handoffs[0]).toMatchObject({
      from: { id: f.agents[PM]!.id },
      context: { result: { plan: "SSO in 3 tickets" } },
      workflowRunId: run.id,
    });
    const build = await agent(ENG).post("/v1/agent/tasks/claim", { taskId: run.steps[1].taskId });
    await agent(ENG).post("/v1/agent/tasks/complete", {
      taskId: build.body.task.id,
      claimToken: build.body.task.claimToken,
      result: "shipped build 1.2",
    });
    const ship = await agent(OPS).post("/v1/agent/tasks/claim", { taskId: run.steps[2].taskId });
    await agent(OPS).post("/v1/agent/tasks/complete", {
      taskId: ship.body.task.id,
      claimToken: ship.body.task.claimToken,
      result: "release r-9",
    });
    const done = await call(coordPath(f, `/workflows/${run.id}`), { cookie: f.viewer.cookie });
    expect(done.body.run.status).toBe("completed");
    expect(done.body.run.steps.map((s: { state: string }) => s.state)).toEqual(["completed", "completed", "completed"]);
    expect(done.body.run.steps[1].handoffId).not.toBeNull();
    expect(done.body.run.steps[2].handoffId).not.toBeNull();
  });

  it("release approval rejected: the run is rejected and the ship step cancelled", async () => {
    const run = (await call(coordPath(f, "/workflows"), { body: { template: "release-approval", title: "v2.0" }, cookie: f.owner.cookie }))
      .body.run;
    const prep = await agent(ENG).post("/v1/agent/tasks/claim", { taskId: run.steps[0].taskId });
    await agent(ENG).post("/v1/agent/tasks/complete", {
      taskId: prep.body.task.id,
      claimToken: prep.body.task.claimToken,
      result: "notes",
    });
    const approve = await agent(PM).post("/v1/agent/tasks/claim", { taskId: run.steps[1].taskId });
    await agent(PM).post("/v1/agent/tasks/complete", {
      taskId: approve.body.task.id,
      claimToken: approve.body.task.claimToken,
      result: { approved: false, reason: "missing tests" },
    });
    const after = await call(coordPath(f, `/workflows/${run.id}`), { cookie: f.viewer.cookie });
    expect(after.body.run.status).toBe("rejected");
    expect(after.body.run.steps[2].state).toBe("cancelled");
    const list = await call(coordPath(f, "/workflows"), { cookie: f.viewer.cookie });
    expect(list.body.runs.map((r: { id: string }) => r.id)).toContain(run.id);
    expectError(
      await call(coordPath(f, "/workflows"), { body: { template: "nope", title: "x" }, cookie: f.owner.cookie }),
      400,
      "validation_failed",
    );
    expectError(
      await call(coordPath(f, "/workflows"), { body: { template: "incident-escalation", title: "x" }, cookie: f.viewer.cookie }),
      403,
      "forbidden",
    );
  });
});

describe("audit", () => {
  it("coordination operations reach the agent's own audit trail (batched), and only its own", async () => {
    const pm = agent(PM);
    const lock = await pm.post("/v1/agent/locks/acquire", { name: "audited" });
    await pm.post("/v1/agent/locks/release", { name: "audited", fencingToken: lock.body.lock.fencingToken });
    let actions: string[] = [];
    for (let i = 0; i < 40 && !actions.includes("coordination.lock_released"); i++) {
      await sleep(250);
      const page = await pm.get("/v1/agent/audit?limit=100");
      expect(page.status).toBe(200);
      actions = page.body.data.map((e: { action: string }) => e.action);
      expect(page.body.data.every((e: { actor: { id: string } }) => e.actor.id === f.agents[PM]!.id)).toBe(true);
    }
    expect(actions).toEqual(
      expect.arrayContaining([
        "coordination.lock_acquired",
        "coordination.lock_released",
        "coordination.handoff_created",
        "coordination.memory_written",
      ]),
    );
    const tenantLog = await call(`/v1/tenants/${f.tenantId}/audit?action=coordination.lock_acquired&limit=100`, { cookie: f.owner.cookie });
    expect(tenantLog.body.data.find((e: { target: { id: string } }) => e.target.id === "audited").details).toMatchObject({
      teamId: f.teamId,
      fencingToken: lock.body.lock.fencingToken,
    });
  });
});

describe("isolation", () => {
  it("another team's agents see none of this team's state; another tenant gets 404", async () => {
    const other = await coordFixture([{ template: "pm" }]);
    const outsider = as(other, other.agents[0]!);
    expect((await outsider.get("/v1/agent/tasks")).body.tasks).toEqual([]);
    expect((await outsider.post("/v1/agent/memory/recall", { query: "canary" })).body.memories).toEqual([]);
    const someTask = (await agent(PM).get("/v1/agent/tasks?limit=1")).body.tasks[0];
    expectError(await outsider.get(`/v1/agent/tasks/${someTask.id}`), 404, "not_found");
    expectError(await outsider.post("/v1/agent/handoffs", { to: f.agents[PM]!.id, title: "cross-team" }), 404, "not_found");
    expectError(await call(coordPath(f, "/tasks"), { cookie: other.owner.cookie }), 404, "not_found");
    expectError(
      await call(`/v1/tenants/${other.tenantId}/teams/${f.teamId}/coordination/tasks`, { cookie: other.owner.cookie }),
      404,
      "not_found",
    );
  });
});
