/**
 * The work queue over the agent API: exactly one winner among 50 concurrent claimers, re-delivery
 * after the visibility timeout (the stale claim is dead), retries into the dead letter,
 * dependencies, allowlist and trust limits, and the dashboard's view and controls.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { as, coordFixture, coordPath, openAllowlist, sleep, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { call, expectError } from "../../../../../test/workers/harness";
import { setAllowlist } from "../../../../../test/workers/relay-harness";

let f: CoordFixture;
beforeAll(async () => {
  f = await coordFixture([
    { template: "pm" },
    { template: "engineering" },
    { template: "engineering" },
    { template: "ops", trustLevel: 0 },
  ]);
  await openAllowlist(f);
});
const pm = () => as(f, f.agents[0]!);
const eng = () => as(f, f.agents[1]!);
const eng2 = () => as(f, f.agents[2]!);

describe("work queue", () => {
  it("exactly one of 50 concurrent claimers wins a task; 50 tasks go to 50 distinct claims", async () => {
    const created = await call(coordPath(f, "/tasks"), { body: { title: "the one", capability: "race-1" }, cookie: f.owner.cookie });
    expect(created.status).toBe(201);
    const claimers = Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? eng() : eng2()).post("/v1/agent/tasks/claim", { capabilities: ["race-1"] }),
    );
    const results = await Promise.all(claimers);
    expect(results.filter((r) => r.status !== 200).map((r) => JSON.stringify(r.body))).toEqual([]);
    const winners = results.filter((r) => r.body.task !== null);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.body.task).toMatchObject({ id: created.body.task.id, state: "claimed", attempts: 1 });
    expect(winners[0]!.body.task.claimToken).toEqual(expect.any(String));

    for (let i = 0; i < 50; i++)
      await call(coordPath(f, "/tasks"), { body: { title: `bulk ${i}`, capability: "race-50" }, cookie: f.owner.cookie });
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? eng() : eng2()).post("/v1/agent/tasks/claim", { capabilities: ["race-50"] })),
    );
    const ids = many.map((r) => r.body.task?.id).filter(Boolean);
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
  });

  it("priority first, then oldest; assignee and capability limit who may claim", async () => {
    const low = await pm().post("/v1/agent/tasks", { title: "low", priority: 1, capability: "prio" });
    const high = await pm().post("/v1/agent/tasks", { title: "high", priority: 8, capability: "prio" });
    const mine = await pm().post("/v1/agent/tasks", { title: "for eng2", assignee: f.agents[2]!.id, capability: "prio" });
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["prio"] })).body.task.id).toBe(high.body.task.id);
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["prio"] })).body.task.id).toBe(low.body.task.id);
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["prio"] })).body.task).toBeNull();
    expectError(await eng().post("/v1/agent/tasks/claim", { taskId: mine.body.task.id }), 403, "forbidden");
    expect((await eng2().post("/v1/agent/tasks/claim", { taskId: mine.body.task.id, capabilities: ["prio"] })).body.task.id).toBe(
      mine.body.task.id,
    );
    // The agent's template is a capability without asking.
    const byRole = await pm().post("/v1/agent/tasks", { title: "any engineer", capability: "engineering", priority: 9 });
    expect((await eng().post("/v1/agent/tasks/claim", {})).body.task.id).toBe(byRole.body.task.id);
  });

  it("a claim not settled within the visibility timeout is re-delivered; the first claim's token is dead", async () => {
    const t = await pm().post("/v1/agent/tasks", { title: "slow", capability: "vis", visibilityTimeoutMs: 1_000, maxAttempts: 2 });
    const first = await eng().post("/v1/agent/tasks/claim", { capabilities: ["vis"] });
    expect(first.body.task.id).toBe(t.body.task.id);
    expect((await eng2().post("/v1/agent/tasks/claim", { capabilities: ["vis"] })).body.task).toBeNull();
    await sleep(1_100);
    const second = await eng2().post("/v1/agent/tasks/claim", { capabilities: ["vis"] });
    expect(second.body.task).toMatchObject({ id: t.body.task.id, attempts: 2, claimedBy: f.agents[2]!.id });
    expectError(
      await eng().post("/v1/agent/tasks/complete", { taskId: t.body.task.id, claimToken: first.body.task.claimToken, result: "late" }),
      409,
      "lease_lost",
    );
    // The second lease also runs out: attempts are used up, so it is dead-lettered, not re-delivered.
    await sleep(1_100);
    const listed = await eng().get(`/v1/agent/tasks/${t.body.task.id}`);
    expect(listed.body.task).toMatchObject({ state: "dead", attempts: 2 });
    expect(listed.body.task.lastError).toContain("visibility timeout");
  });

  it("failure retries until maxAttempts, then the dead letter; a person can re-queue it", async () => {
    const t = await pm().post("/v1/agent/tasks", { title: "flaky", capability: "flaky", maxAttempts: 2 });
    const c1 = await eng().post("/v1/agent/tasks/claim", { capabilities: ["flaky"] });
    const f1 = await eng().post("/v1/agent/tasks/fail", { taskId: t.body.task.id, claimToken: c1.body.task.claimToken, error: "boom 1" });
    expect(f1.body.task).toMatchObject({ state: "queued", attempts: 1, lastError: "boom 1" });
    const c2 = await eng().post("/v1/agent/tasks/claim", { capabilities: ["flaky"] });
    const f2 = await eng().post("/v1/agent/tasks/fail", { taskId: t.body.task.id, claimToken: c2.body.task.claimToken, error: "boom 2" });
    expect(f2.body.task).toMatchObject({ state: "dead", attempts: 2 });
    const dead = await call(coordPath(f, "/tasks?state=dead"), { cookie: f.viewer.cookie });
    expect(dead.body.tasks.map((x: { id: string }) => x.id)).toContain(t.body.task.id);
    expect(dead.body.counts.dead).toBeGreaterThanOrEqual(1);
    expectError(
      await call(coordPath(f, `/tasks/${t.body.task.id}/requeue`), { method: "POST", cookie: f.viewer.cookie }),
      403,
      "forbidden",
    );
    const requeued = await call(coordPath(f, `/tasks/${t.body.task.id}/requeue`), { method: "POST", cookie: f.owner.cookie });
    expect(requeued.body.task).toMatchObject({ state: "queued", attempts: 0 });
    // retry: false goes straight to the dead letter.
    const c3 = await eng().post("/v1/agent/tasks/claim", { capabilities: ["flaky"] });
    expect(
      (
        await eng().post("/v1/agent/tasks/fail", {
          taskId: t.body.task.id,
          claimToken: c3.body.task.claimToken,
          error: "fatal",
          retry: false,
        })
      ).body.task.state,
    ).toBe("dead");
  });

  it("dependencies: blocked until every dependency completes", async () => {
    const a = await pm().post("/v1/agent/tasks", { title: "A", capability: "deps" });
    const b = await pm().post("/v1/agent/tasks", { title: "B", capability: "deps" });
    const c = await pm().post("/v1/agent/tasks", { title: "C", capability: "deps", dependsOn: [a.body.task.id, b.body.task.id] });
    expect(c.body.task.state).toBe("blocked");
    const ca = await eng().post("/v1/agent/tasks/claim", { capabilities: ["deps"] });
    const cb = await eng().post("/v1/agent/tasks/claim", { capabilities: ["deps"] });
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["deps"] })).body.task).toBeNull();
    const doneA = await eng().post("/v1/agent/tasks/complete", {
      taskId: ca.body.task.id,
      claimToken: ca.body.task.claimToken,
      result: { ok: 1 },
    });
    expect(doneA.body.unblocked).toEqual([]);
    const doneB = await eng().post("/v1/agent/tasks/complete", { taskId: cb.body.task.id, claimToken: cb.body.task.claimToken });
    expect(doneB.body.unblocked).toEqual([c.body.task.id]);
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["deps"] })).body.task.id).toBe(c.body.task.id);
    expect(doneA.body.task).toMatchObject({ state: "completed", result: { ok: 1 } });
    expectError(await pm().post("/v1/agent/tasks", { title: "D", dependsOn: ["task_nope"] }), 400, "validation_failed");
  });

  it("the allowlist governs assigning and claiming; trust level 0 may not create tasks", async () => {
    const [pmAgent, engAgent] = [f.agents[0]!, f.agents[1]!];
    await setAllowlist(f, { edges: [] });
    await sleep(1_100); // the coordinator trusts a fetched allowlist for 1 s
    const denied = await pm().post("/v1/agent/tasks", { title: "x", assignee: engAgent.id });
    expectError(denied, 403, "not_allowed");
    // A task the PM created unassigned cannot be claimed by an agent the PM may not send to.
    const open = await pm().post("/v1/agent/tasks", { title: "open", capability: "gated" });
    expect((await eng().post("/v1/agent/tasks/claim", { capabilities: ["gated"] })).body.task).toBeNull();
    expectError(await eng().post("/v1/agent/tasks/claim", { taskId: open.body.task.id, capabilities: ["gated"] }), 403, "not_allowed");
    await setAllowlist(f, { edges: [{ from: { kind: "agent", id: pmAgent.id }, to: { kind: "role", id: "engineering" } }] });
    await sleep(1_100);
    expect((await pm().post("/v1/agent/tasks", { title: "ok", assignee: engAgent.id })).status).toBe(200);
    expect((await eng().post("/v1/agent/tasks/claim", { taskId: open.body.task.id, capabilities: ["gated"] })).body.task.id).toBe(
      open.body.task.id,
    );
    expectError(await as(f, f.agents[3]!).post("/v1/agent/tasks", { title: "sandboxed" }), 403, "not_allowed");
    await openAllowlist(f);
  });

  it("people cancel tasks; the claimer's token then stops working; viewers cannot", async () => {
    const t = await call(coordPath(f, "/tasks"), { body: { title: "cancel me", capability: "cancel" }, cookie: f.owner.cookie });
    const claim = await eng().post("/v1/agent/tasks/claim", { capabilities: ["cancel"] });
    expectError(await call(coordPath(f, `/tasks/${t.body.task.id}/cancel`), { method: "POST", cookie: f.viewer.cookie }), 403, "forbidden");
    expect((await call(coordPath(f, `/tasks/${t.body.task.id}/cancel`), { method: "POST", cookie: f.owner.cookie })).body.task.state).toBe(
      "cancelled",
    );
    expectError(
      await eng().post("/v1/agent/tasks/complete", { taskId: t.body.task.id, claimToken: claim.body.task.claimToken }),
      409,
      "lease_lost",
    );
    expectError(await call(coordPath(f, `/tasks/task_missing/cancel`), { method: "POST", cookie: f.owner.cookie }), 404, "not_found");
  });
});
