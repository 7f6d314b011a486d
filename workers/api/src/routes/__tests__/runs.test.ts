/**
 * Runs end to end in workerd (docs/runs.md): an agent invokes another over HTTP; the callee is a
 * real relay WebSocket client answering with a normal reply. Allowlist denial, deadline, budget
 * overrun through a nested run, cross-tenant 404, reputation and signed provenance.
 */
import canonicalize from "canonicalize";
import { compactVerify, importJWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../../shared/crypto/sha256";
import { verifyRunBundle } from "../../../../../tools/switchboard-verify/lib/run-bundle.mjs";
import { as, coordFixture, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { call } from "../../../../../test/workers/harness";
import { agentEdge, join, setAllowlist, type RelayClient } from "../../../../../test/workers/relay-harness";

let f: CoordFixture;
let other: CoordFixture;
let A: CoordFixture["agents"][0];
let B: CoordFixture["agents"][0];
let C: CoordFixture["agents"][0];

/** The callee: answers the run request whose input is `input` (earlier tests' unanswered requests are redelivered) with what `answer` returns. */
const runRequest = (input: unknown) => (fr: any) =>
  fr.type === "deliver" && fr.kind === "request" && JSON.stringify(fr.body?.input) === JSON.stringify(input);
async function answerOne(client: RelayClient, input: unknown, answer: (body: any) => unknown, timeoutMs = 5000) {
  const req = await client.next(runRequest(input), timeoutMs);
  client.send({ type: "reply", id: `r-${req.seq}`, inReplyTo: req.id, body: await answer(req.body) });
  return req;
}

beforeAll(async () => {
  f = await coordFixture([{}, {}, {}]);
  [A, B, C] = f.agents as [typeof A, typeof A, typeof A];
  // A → B, B → C; nothing else (C → A is not allowed).
  await setAllowlist(f, { edges: [agentEdge(A, B), agentEdge(B, C)] });
  other = await coordFixture([{}]);
});

describe("invoke", () => {
  it("succeeds with the callee's reply as output, recorded in both agents' audit with the same run id", async () => {
    const cb = await join(f, B);
    const pending = as(f, A).post("/v1/agent/runs", {
      to: B.id,
      input: { q: "2+2" },
      scope: ["calc"],
      budget: { maxCalls: 5, deadlineMs: 5000 },
    });
    const req = await answerOne(cb, { q: "2+2" }, (body) => ({ a: body.input.q === "2+2" ? 4 : null }));
    expect(req.body.run).toMatchObject({ scope: ["calc"], budget: { maxCalls: 5 } });
    const res = await pending;
    expect(res.status).toBe(201);
    const run = res.body.run;
    expect(run).toMatchObject({
      callerAgentId: A.id,
      calleeAgentId: B.id,
      status: "succeeded",
      via: "http",
      output: { a: 4 },
      error: null,
    });
    expect(req.body.run.id).toBe(run.id);
    expect(run.inputHash).toBe(await sha256Hex(canonicalize({ q: "2+2" })!));
    expect(run.outputHash).toBe(await sha256Hex(canonicalize({ a: 4 })!));
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    for (const agent of [A, B]) {
      const trail = await as(f, agent).get("/v1/agent/audit?limit=50");
      const mine = trail.body.data.filter((e: any) => e.details?.runId === run.id);
      expect(mine.map((e: any) => e.action).sort()).toEqual(["run.finished", "run.started"]);
      expect(mine.every((e: any) => e.target?.id === run.id && e.details.role === (agent === A ? "caller" : "callee"))).toBe(true);
    }
    // The caller and callee may read it; the third agent may not.
    expect((await as(f, B).get(`/v1/agent/runs/${run.id}`)).status).toBe(200);
    expect((await as(f, C).get(`/v1/agent/runs/${run.id}`)).status).toBe(404);
    cb.ws.close();
  });

  it("a callee the allowlist does not allow: the run is denied with the relay's reason", async () => {
    const res = await as(f, C).post("/v1/agent/runs", { to: A.id, input: "hi" });
    expect(res.status).toBe(201);
    expect(res.body.run).toMatchObject({ status: "denied", error: { code: "not_allowed" } });
  });

  it("a caller whose trust level may not invoke agents (level 1): denied before anything reaches the callee", async () => {
    const low = await coordFixture([{ trustLevel: 1 }, {}]);
    const [caller, callee] = low.agents;
    await setAllowlist(low, { edges: [agentEdge(caller!, callee!)] });
    const res = await as(low, caller!).post("/v1/agent/runs", { to: callee!.id, input: "hi" });
    expect(res.status).toBe(201);
    expect(res.body.run).toMatchObject({ status: "denied", error: { code: "not_allowed" } });
    expect(res.body.run.error.message).toContain("Trust level 1");
    // Level 2 (the same edge, the caller raised) is not refused for trust.
    const raised = await call(`/v1/tenants/${low.tenantId}/agents/${caller!.id}`, {
      method: "PATCH",
      cookie: low.owner.cookie,
      body: { trustLevel: 2 },
    });
    expect(raised.status).toBe(200);
    const again = await as(low, caller!).post("/v1/agent/runs", { to: callee!.id, input: "hi", budget: { deadlineMs: 300 } });
    expect(again.body.run.error?.message ?? "").not.toContain("Trust level");
  });

  it("no reply before the deadline: timed_out", async () => {
    const res = await as(f, A).post("/v1/agent/runs", { to: B.id, input: "slow", budget: { deadlineMs: 300 } });
    expect(res.body.run).toMatchObject({ status: "timed_out", error: { code: "request_timeout" } });
    expect(res.body.run.durationMs).toBeGreaterThanOrEqual(250);
  });

  it("a callee that replies with an error body: failed", async () => {
    const cb = await join(f, B);
    const pending = as(f, A).post("/v1/agent/runs", { to: B.id, input: "x" });
    await answerOne(cb, "x", () => ({ error: { code: "cannot_do", message: "no" } }));
    expect((await pending).body.run).toMatchObject({ status: "failed", error: { code: "cannot_do", message: "no" } });
    cb.ws.close();
  });

  it("nested runs count against the parent's budget; overrunning it ends the parent budget_exceeded, audited", async () => {
    const cb = await join(f, B);
    const cc = await join(f, C);
    const pending = as(f, A).post("/v1/agent/runs", { to: B.id, input: "plan", budget: { maxCalls: 1, deadlineMs: 10_000 } });
    const req = await cb.next(runRequest("plan"), 5000);
    const parentId = req.body.run.id;
    // B's first nested run (1 call): allowed, C answers.
    const child = as(f, B).post("/v1/agent/runs", { to: C.id, input: "step 1", parentRunId: parentId });
    await answerOne(cc, "step 1", () => "done 1");
    const first = await child;
    expect(first.body.run).toMatchObject({ status: "succeeded", parentRunId: parentId, output: "done 1" });
    expect(Date.parse(first.body.run.budget.deadlineAt)).toBeLessThanOrEqual(Date.parse(req.body.run.budget.deadlineAt));
    // The second would be call 2 of 1: refused, and the parent run ends.
    const second = await as(f, B).post("/v1/agent/runs", { to: C.id, input: "step 2", parentRunId: parentId });
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: "run_budget_exceeded", details: { runId: parentId, budget: "calls", limit: 1 } });
    // B replies anyway: the run stays budget_exceeded (first end wins).
    cb.send({ type: "reply", id: "late", inReplyTo: req.id, body: "finished anyway" });
    const parent = (await pending).body.run;
    expect(parent).toMatchObject({ id: parentId, status: "budget_exceeded", error: { code: "run_budget_exceeded" }, used: { calls: 1 } });
    // Ended: nothing more can be charged to it.
    const third = await as(f, B).post("/v1/agent/runs", { to: C.id, input: "step 3", parentRunId: parentId });
    expect(third.body.error).toMatchObject({ code: "run_not_running" });
    // Only the run's callee may nest under it.
    const foreign = await as(f, A).post("/v1/agent/runs", { to: B.id, input: "x", parentRunId: parentId });
    expect(foreign.status).toBe(404);
    const trail = await as(f, A).get("/v1/agent/audit?action=run.budget_exceeded");
    expect(trail.body.data.some((e: any) => e.details.runId === parentId && e.details.used.calls === 1)).toBe(true);
    // The detail shows the timeline and the child.
    const detail = await call(`/v1/tenants/${f.tenantId}/runs/${parentId}`, { cookie: f.owner.cookie });
    expect(detail.status).toBe(200);
    expect(detail.body.children.map((r: any) => r.id)).toEqual([first.body.run.id]);
    expect(detail.body.timeline.map((e: any) => e.action)).toEqual([
      "run.started",
      "run.started",
      "run.budget_exceeded",
      "run.budget_exceeded",
      "run.finished",
      "run.finished",
    ]);
    cb.ws.close();
    cc.ws.close();
  });

  it("refuses bad input and another tenant's agents and runs (404)", async () => {
    const bad = await as(f, A).post("/v1/agent/runs", { to: "nope", input: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    const foreignCallee = await as(other, other.agents[0]!).post("/v1/agent/runs", { to: B.id, input: 1 });
    expect(foreignCallee.status).toBe(404);
    const list = await call(`/v1/tenants/${f.tenantId}/runs?limit=1`, { cookie: f.owner.cookie });
    const runId = list.body.data[0].id;
    expect((await call(`/v1/tenants/${other.tenantId}/runs/${runId}`, { cookie: other.owner.cookie })).status).toBe(404);
    expect((await call(`/v1/tenants/${f.tenantId}/runs/${runId}`, { cookie: other.owner.cookie })).status).toBe(404);
    expect((await as(other, other.agents[0]!).get(`/v1/agent/runs/${runId}`)).status).toBe(404);
  });

  it("lists runs with filters (agent, status, date) and pages", async () => {
    const all = await call(`/v1/tenants/${f.tenantId}/runs?limit=100`, { cookie: f.owner.cookie });
    expect(all.body.data.length).toBeGreaterThanOrEqual(6);
    expect(all.body.data[0].output).toBeUndefined();
    const denied = await call(`/v1/tenants/${f.tenantId}/runs?status=denied`, { cookie: f.owner.cookie });
    expect(denied.body.data.map((r: any) => r.status)).toEqual(["denied"]);
    const ofC = await call(`/v1/tenants/${f.tenantId}/runs?agentId=${C.id}&limit=100`, { cookie: f.owner.cookie });
    expect(ofC.body.data.every((r: any) => r.callerAgentId === C.id || r.calleeAgentId === C.id)).toBe(true);
    const future = await call(`/v1/tenants/${f.tenantId}/runs?from=${new Date(Date.now() + 60_000).toISOString()}`, {
      cookie: f.owner.cookie,
    });
    expect(future.body.data).toEqual([]);
    const page1 = await call(`/v1/tenants/${f.tenantId}/runs?limit=2`, { cookie: f.owner.cookie });
    const page2 = await call(`/v1/tenants/${f.tenantId}/runs?limit=2&cursor=${page1.body.nextCursor}`, { cookie: f.owner.cookie });
    expect(page2.body.data[0].id < page1.body.data[1].id).toBe(true);
    // A viewer may list (agents:read).
    expect((await call(`/v1/tenants/${f.tenantId}/runs`, { cookie: f.viewer.cookie })).status).toBe(200);
  });

  it("updates the callee's reputation as runs end, shown on GET agent", async () => {
    const res = await call(`/v1/tenants/${f.tenantId}/agents/${B.id}`, { cookie: f.owner.cookie });
    expect(res.status).toBe(200);
    const rep = res.body.agent.reputation;
    // B: succeeded 1 (first test), timed out 1, failed 1, budget exceeded 1.
    expect(rep.runs).toEqual({ succeeded: 1, failed: 1, timedOut: 1, budgetExceeded: 1, denied: 0 });
    expect(rep.latency.window).toBe(4);
    expect(rep.latency.p95Ms).toBeGreaterThanOrEqual(rep.latency.p50Ms);
    expect(rep.reliability).toBeCloseTo(2 / 6, 3);
    // The latency factor (docs/runs.md): 1 up to a 1 s p95; the timed-out run's duration is its
    // deadline, which a loaded machine can stretch past 1 s.
    const p95s = rep.latency.p95Ms / 1000;
    const latency = p95s <= 1 ? 1 : p95s >= 60 ? 0.5 : 1 - (0.5 * Math.log10(p95s)) / Math.log10(60);
    expect(rep.score).toBe(Math.round(100 * (2 / 6) * latency));
    const a = await call(`/v1/tenants/${f.tenantId}/agents/${A.id}`, { cookie: f.owner.cookie });
    expect(a.body.agent.reputation.runs.denied).toBe(1);
    expect(a.body.agent.reputation.latency.window).toBe(0);
  });

  it("signs each ended run's provenance; the bundle verifies and a tampered one does not", async () => {
    const list = await call(`/v1/tenants/${f.tenantId}/runs?status=succeeded&agentId=${A.id}`, { cookie: f.owner.cookie });
    const runId = list.body.data.at(-1).id;
    const res = await call(`/v1/tenants/${f.tenantId}/runs/${runId}/bundle`, { cookie: f.owner.cookie });
    expect(res.status).toBe(200);
    const bundle = res.body;
    expect(bundle).toMatchObject({ format: "switchboard.run-bundle/1", run: { id: runId, input: { q: "2+2" }, output: { a: 4 } } });
    const key = await importJWK(bundle.jwks.keys[0], bundle.jwks.keys[0].alg);
    const { payload } = await compactVerify(bundle.signatures[0].jws, key);
    const record = JSON.parse(new TextDecoder().decode(payload));
    expect(record).toEqual(bundle.provenance);
    expect(record).toMatchObject({ runId, status: "succeeded", inputHash: await sha256Hex(canonicalize({ q: "2+2" })!) });
    expect(record.audit.entries.map((e: any) => e.seq)).toEqual(
      bundle.audit.filter((e: any) => e.details.runId === runId).map((e: any) => e.seq),
    );
    // Tampered: one byte of the payload changed — the signature no longer holds.
    const [h, p, s] = bundle.signatures[0].jws.split(".");
    const forged = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(p.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0))),
    );
    forged.status = "failed";
    const p2 = btoa(JSON.stringify(forged)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    await expect(compactVerify(`${h}.${p2}.${s}`, key)).rejects.toThrow();
    // The offline verifier accepts the platform's bundle, and rejects it with the output changed.
    expect(await verifyRunBundle({ bundle })).toMatchObject({ ok: true, runId, problems: [] });
    expect(await verifyRunBundle({ bundle: { ...bundle, run: { ...bundle.run, output: { a: 5 } } } })).toMatchObject({
      ok: false,
      problems: [{ kind: "output_altered" }],
    });
    // A running run has no bundle yet; another tenant's is 404; viewers lack audit:export.
    expect((await call(`/v1/tenants/${f.tenantId}/runs/${runId}/bundle`, { cookie: f.viewer.cookie })).status).toBe(403);
    expect((await call(`/v1/tenants/${other.tenantId}/runs/${runId}/bundle`, { cookie: other.owner.cookie })).status).toBe(404);
  });
});
