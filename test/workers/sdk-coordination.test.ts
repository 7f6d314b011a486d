/**
 * The SDK's CoordinationClient inside workerd against the real API Worker and TeamCoordinator
 * (through `exports.default.fetch`): a PM and an Engineering agent guard a resource with a lock,
 * pass work through the queue, leave and read a hand-off, share memory — and every refusal is a
 * typed CoordinationError with the API's code.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CoordinationClient, CoordinationError } from "../../sdk/src/index";
import { openAllowlist, coordFixture } from "./coordination-harness";
import { BASE } from "./harness";

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

describe("SDK CoordinationClient", () => {
  it("locks, tasks, hand-offs, memory and discovery, with typed errors", async () => {
    const f = await coordFixture([{ template: "pm" }, { template: "engineering" }]);
    await openAllowlist(f);
    const [pmSpec, engSpec] = f.agents;
    const pm = new CoordinationClient({ url: BASE, agentId: pmSpec!.id, secret: pmSpec!.secret, teamId: f.teamId, fetch: workerFetch });
    const eng = new CoordinationClient({ url: BASE, agentId: engSpec!.id, secret: engSpec!.secret, teamId: f.teamId, fetch: workerFetch });

    const seen = await pm.withLock("spec.md", async (lock) => {
      const err = await eng.acquireLock("spec.md").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CoordinationError);
      expect(err).toMatchObject({ code: "lock_held", status: 409, details: { fencingToken: lock.fencingToken } });
      return lock.fencingToken;
    });
    expect((await eng.acquireLock("spec.md")).fencingToken).toBeGreaterThan(seen);

    const task = await pm.createTask({ title: "Implement spec", assignee: engSpec!.id, labels: ["sprint-1"] });
    const claimed = await eng.claimTask();
    expect(claimed?.id).toBe(task.id);
    const done = await eng.completeTask(claimed!, { pr: 7 });
    expect(done.task).toMatchObject({ state: "completed", result: { pr: 7 } });
    await expect(eng.completeTask(claimed!)).rejects.toMatchObject({ code: "lease_lost" });
    expect(await eng.claimTask()).toBeNull();

    await pm.handoff({ to: engSpec!.id, key: "sprint-1", title: "Sprint 1", done: "spec", next: "build" });
    const [h] = await eng.readHandoffs();
    expect(h).toMatchObject({ key: "sprint-1", version: 1, from: { id: pmSpec!.id } });
    expect((await pm.sentHandoffs())[0]!.readAt).not.toBeNull();

    await pm.remember({ content: "Release train leaves Thursdays", scope: "team", kind: "procedural", tags: ["release"] });
    expect((await eng.recall({ query: "Thursdays" })).map((m) => m.content)).toEqual(["Release train leaves Thursdays"]);

    expect((await eng.heartbeat({ capabilities: ["go"], status: "idle" })).online).toBe(true);
    expect((await pm.listAgents()).map((a) => a.agentId).sort()).toEqual([pmSpec!.id, engSpec!.id].sort());
    expect(await pm.checkGuardrails({ action: "deploy" })).toMatchObject({ engine: "native", allowed: true, decision: "allow" });
    expect(await pm.checkGuardrails({ action: "shell.exec", content: "git reset --hard" })).toMatchObject({
      allowed: false,
      requiresApproval: true,
      decision: "require_approval",
    });
    await expect(pm.createTask({ title: "" })).rejects.toMatchObject({ code: "validation_failed", status: 400 });
  });
});
