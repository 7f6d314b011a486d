/**
 * A real crash of the coordinator: `wrangler dev --persist-to DIR` is SIGKILLed (no shutdown
 * code runs) right after locks were acquired and a task claimed, then served again from DIR.
 *
 * What it proves: fencing tokens are monotonic across the crash (the counter was committed before
 * each answer), held locks and the claimed task's lease survive, the stale holder's token is still
 * refused, and the staged audit events reach the trail after the restart.
 * What it does not prove: a crash in the middle of a SQLite commit (the platform's atomicity).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WranglerDev } from "../support/wrangler-dev";

const dev = new WranglerDev();
beforeAll(() => dev.start(), 120_000);
afterAll(() => dev.stop());

describe("coordinator crash (SIGKILL of wrangler dev --persist-to, then restart)", () => {
  it("fencing tokens keep increasing; locks, leases and audit events survive", async () => {
    const { tenantId, agents, token } = await dev.teamOfAgents(["pm", "engineering"]);
    const [pm, eng] = agents as [(typeof agents)[0], (typeof agents)[0]];
    const [pmToken, engToken] = [await token(pm), await token(eng)];
    const agentApi = (tok: string, pathname: string, body?: unknown) =>
      dev.api("POST", pathname, body ?? {}, { authorization: `Bearer ${tok}` });

    const tokens: number[] = [];
    for (let i = 0; i < 20; i++)
      tokens.push((await agentApi(pmToken, "/v1/agent/locks/acquire", { name: `crash-${i}`, ttlMs: 600_000 })).lock.fencingToken);
    const task = (await agentApi(pmToken, "/v1/agent/tasks", { title: "survive", assignee: eng.id, visibilityTimeoutMs: 600_000 })).task;
    const claim = (await agentApi(engToken, "/v1/agent/tasks/claim", {})).task;
    expect(claim.id).toBe(task.id);
    await dev.crash();
    await dev.start();

    const after = (await agentApi(engToken, "/v1/agent/locks/acquire", { name: "after-crash" })).lock.fencingToken;
    expect(after).toBeGreaterThan(Math.max(...tokens));
    expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
    // The PM still holds its locks; the engineer cannot take one.
    await expect(agentApi(engToken, "/v1/agent/locks/acquire", { name: "crash-0" })).rejects.toThrow(/409.*lock_held/);
    // The claim survived with its token: completing works.
    const done = await agentApi(engToken, "/v1/agent/tasks/complete", {
      taskId: claim.id,
      claimToken: claim.claimToken,
      result: "after the crash",
    });
    expect(done.task.state).toBe("completed");

    // Audit: the 20 acquisitions staged before the crash reach the trail after it.
    const deadline = Date.now() + 20_000;
    let acquired = 0;
    while (Date.now() < deadline) {
      acquired = (await dev.api("GET", `/v1/tenants/${tenantId}/audit?action=coordination.lock_acquired&limit=100`)).data.length;
      if (acquired >= 21) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(acquired).toBe(21);
  }, 120_000);
});
