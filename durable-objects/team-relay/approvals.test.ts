/**
 * Governance on the relay, end to end (docs/governance.md#approvals): guardrails on direct message
 * bodies (block → `denied` guardrail_blocked; require approval → `held`), the hold released by a
 * person's decision through the tenant's ApprovalDesk (approved → delivered, `accepted` with the
 * approval id; denied/expired → `denied` naming it), supervised pairs, eviction of the relay while
 * a message is held.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chainEntries } from "../../test/workers/audit-view";
import { addMember, call, expectError } from "../../test/workers/harness";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";

const desk = (tenantId: string) => env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(tenantId));
const approvalsPath = (tenantId: string) => `/v1/tenants/${tenantId}/approvals`;

async function pair() {
  const f = await relayFixture([{}, {}]);
  const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
  await setAllowlist(f, { edges: [agentEdge(a, b), agentEdge(b, a)] });
  return { f, a, b };
}

/** Waits until the desk shows the approval (it is opened just after the `held` frame). */
async function approvalOf(tenantId: string, id: string, cookie: string) {
  for (let i = 0; i < 50; i++) {
    const res = await call(`${approvalsPath(tenantId)}/${id}`, { cookie });
    if (res.status === 200) return res.body.approval;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`approval ${id} never appeared`);
}

describe("relay guardrails and held messages", () => {
  it("blocks a destructive command in a request body; holds one that needs approval, delivers it once approved", async () => {
    const { f, a, b } = await pair();
    const alice = await join(f, a);
    const bob = await join(f, b);

    alice.send({ type: "request", id: "r1", to: b.id, body: { command: "sudo rm -rf /" }, timeoutMs: 60_000 });
    expect(await alice.next({ type: "denied", id: "r1" })).toMatchObject({
      code: "guardrail_blocked",
      reason: expect.stringContaining("fs.rm_root"),
    });

    // Data that merely mentions a command goes through.
    alice.send({ type: "send", id: "s0", to: b.id, body: { text: "never run rm -rf / on prod" } });
    await alice.next({ type: "accepted", id: "s0" });
    await bob.next({ type: "deliver", id: "s0" });

    alice.send({ type: "request", id: "r2", to: b.id, body: { command: "git push --force origin main" }, timeoutMs: 60_000 });
    const held = await alice.next({ type: "held", id: "r2" });
    expect(held).toMatchObject({
      code: "guardrail_approval",
      approvalId: expect.stringMatching(/^apr_/),
      reason: expect.stringContaining("git.push_force"),
    });
    expect(held.expiresAt).toBeGreaterThan(Date.now());
    await bob.none({ type: "deliver", kind: "request" });
    // The same id again: the same hold, nothing new.
    alice.send({ type: "request", id: "r2", to: b.id, body: { command: "git push --force origin main" }, timeoutMs: 60_000 });
    expect((await alice.next({ type: "held", id: "r2" })).approvalId).toBe(held.approvalId);

    const approval = await approvalOf(f.tenantId, held.approvalId, f.owner.cookie);
    expect(approval).toMatchObject({
      kind: "relay_request",
      agentId: a.id,
      teamId: f.teamId,
      status: "pending",
      summary: `request to ${b.id}`,
    });
    expect((await call(`${approvalsPath(f.tenantId)}?status=pending`, { cookie: f.owner.cookie })).body.data).toHaveLength(1);

    const ok = await call(`${approvalsPath(f.tenantId)}/${held.approvalId}/approve`, {
      body: { reason: "release day" },
      cookie: f.owner.cookie,
    });
    expect(ok.status).toBe(200);
    const delivered = await bob.next({ type: "deliver", kind: "request" });
    expect(delivered).toMatchObject({ from: a.id, kind: "request", body: { command: "git push --force origin main" } });
    expect(await alice.next({ type: "accepted", id: "r2" })).toMatchObject({ approvalId: held.approvalId, seq: delivered.seq });
    // The responder can answer it: it is an ordinary open request now.
    bob.send({ type: "reply", id: "rep", inReplyTo: `req-${delivered.seq}`, body: { done: true } });
    expect(await alice.next({ type: "deliver", kind: "reply" })).toMatchObject({ inReplyTo: "r2", body: { done: true } });

    await expect.poll(async () => (await approvalOf(f.tenantId, held.approvalId, f.owner.cookie)).status).toBe("executed");
    const actions = (await chainEntries(f.tenantId)).filter((e) => e.action.startsWith("approval.")).map((e) => e.action);
    expect(actions).toEqual(["approval.requested", "approval.approved", "approval.executed"]);
    alice.close();
    bob.close();
  });

  it("a denied hold is never delivered: the sender gets a denied frame naming the approval", async () => {
    const { f, a, b } = await pair();
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "send", id: "s1", to: b.id, body: { cmd: "git reset --hard" } });
    const held = await alice.next({ type: "held", id: "s1" });
    await approvalOf(f.tenantId, held.approvalId, f.owner.cookie);
    await call(`${approvalsPath(f.tenantId)}/${held.approvalId}/deny`, { body: { reason: "loses work" }, cookie: f.owner.cookie });
    expect(await alice.next({ type: "denied", id: "s1" })).toMatchObject({
      code: "approval_denied",
      approvalId: held.approvalId,
      reason: expect.stringContaining("loses work"),
    });
    await bob.none({ type: "deliver", id: "s1" }, 300);
    await runDurableObjectAlarm(relayStub(f.teamId));
    const audit = (await chainEntries(f.tenantId)).find((e) => e.action === "relay.message_denied");
    expect(audit?.details).toMatchObject({ code: "approval_denied", approvalId: held.approvalId });
  });

  it("an expired hold (the desk's alarm) is refused with approval_expired", async () => {
    const { f, a, b } = await pair();
    const alice = await join(f, a);
    alice.send({ type: "send", id: "s1", to: b.id, body: { command: "git reset --hard" } });
    const held = await alice.next({ type: "held", id: "s1" });
    await approvalOf(f.tenantId, held.approvalId, f.owner.cookie);
    await runInDurableObject(desk(f.tenantId), (_o, state) => {
      const row = state.storage.sql.exec<{ record: string }>("SELECT record FROM approvals WHERE id = ?", held.approvalId).one();
      const rec = { ...JSON.parse(row.record), expiresAt: 1 };
      state.storage.sql.exec("UPDATE approvals SET expires_at = 1, record = ? WHERE id = ?", JSON.stringify(rec), held.approvalId);
      // The alarm the desk set (for the 15-minute TTL) is what would fire; here it fires now.
      return state.storage.setAlarm(Date.now());
    });
    // The alarm is due now: the runtime may already have run it; running it again is harmless.
    await runDurableObjectAlarm(desk(f.tenantId));
    expect(await alice.next({ type: "denied", id: "s1" })).toMatchObject({ code: "approval_expired", approvalId: held.approvalId });
  });

  it("a held message survives the relay's eviction and is delivered (replayed) once approved", async () => {
    const { f, a, b } = await pair();
    const alice = await join(f, a);
    alice.send({ type: "send", id: "s1", to: b.id, body: { command: "git reset --hard" } });
    const held = await alice.next({ type: "held", id: "s1" });
    await approvalOf(f.tenantId, held.approvalId, f.owner.cookie);
    alice.close();
    await evictDurableObject(relayStub(f.teamId));
    await call(`${approvalsPath(f.tenantId)}/${held.approvalId}/approve`, { body: {}, cookie: f.owner.cookie });
    await expect.poll(async () => (await approvalOf(f.tenantId, held.approvalId, f.owner.cookie)).status).toBe("executed");
    const bob = await join(f, b);
    expect(await bob.next({ type: "deliver", id: "s1" })).toMatchObject({ from: a.id, body: { command: "git reset --hard" } });
  });
});

describe("supervised pairs", () => {
  it("every message between the pair, either way, waits for a person; others flow; only admins set pairs", async () => {
    const f = await relayFixture([{}, {}, {}]);
    const [a, b, c] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b), agentEdge(b, a), agentEdge(a, c)] });
    const path = `/v1/tenants/${f.tenantId}/teams/${f.teamId}/supervised-pairs`;
    const member = await addMember(f.tenantId, "member");
    expectError(await call(path, { method: "PUT", body: { pairs: [{ a: a.id, b: b.id }] }, cookie: member.cookie }), 403, "forbidden");
    expectError(
      await call(path, { method: "PUT", body: { pairs: [{ a: a.id, b: "agt_nobody" }] }, cookie: f.owner.cookie }),
      400,
      "validation_failed",
    );
    const put = await call(path, {
      method: "PUT",
      body: {
        pairs: [
          { a: b.id, b: a.id },
          { a: a.id, b: b.id },
        ],
      },
      cookie: f.owner.cookie,
    });
    expect(put.status).toBe(200);
    expect(put.body.pairs).toHaveLength(1);
    expect((await call(path, { cookie: f.viewer.cookie })).body.pairs).toEqual(put.body.pairs);

    const alice = await join(f, a);
    const bob = await join(f, b);
    const carol = await join(f, c);
    alice.send({ type: "send", id: "m1", to: b.id, body: { text: "hello" } });
    const held = await alice.next({ type: "held", id: "m1" });
    expect(held).toMatchObject({ code: "supervised_pair" });
    bob.send({ type: "send", id: "m2", to: a.id, body: { text: "back" } });
    expect(await bob.next({ type: "held", id: "m2" })).toMatchObject({ code: "supervised_pair" });
    alice.send({ type: "send", id: "m3", to: c.id, body: { text: "not supervised" } });
    await alice.next({ type: "accepted", id: "m3" });
    await carol.next({ type: "deliver", id: "m3" });

    const approval = await approvalOf(f.tenantId, held.approvalId, f.owner.cookie);
    expect(approval).toMatchObject({ kind: "supervised_message", trigger: { source: "supervised_pair" } });
    await call(`${approvalsPath(f.tenantId)}/${held.approvalId}/approve`, { body: {}, cookie: f.owner.cookie });
    expect(await bob.next({ type: "deliver", id: "m1" })).toMatchObject({ from: a.id, body: { text: "hello" } });

    // Cleared: messages flow again.
    await call(path, { method: "PUT", body: { pairs: [] }, cookie: f.owner.cookie });
    alice.send({ type: "send", id: "m4", to: b.id, body: { text: "free" } });
    await alice.next({ type: "accepted", id: "m4" });
  });
});
