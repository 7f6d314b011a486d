/**
 * What a message costs in Durable Object storage, measured the way Cloudflare bills it: the
 * relay's `stats()` sums `rowsWritten` (index entries included) of every `sql.exec` it runs.
 * Target (issue 5): ≤ 1.1 rows written per direct message, its audit event included.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";
import type { TeamRelay } from "./team-relay";
import { auditRow } from "../../test/workers/audit-view";

const N = 200;

describe("rows written per direct message", () => {
  it(`≤ 1.1 over ${N} direct messages, delivery, one cumulative ack and the audit flush included`, async () => {
    const f = await relayFixture([{ trustLevel: 4 }, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    const stub = relayStub(f.teamId);
    await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    const before = await stub.stats();

    for (let i = 0; i < N; i++)
      alice.send({ type: "send", id: `c${i}`, to: b.id, body: { i, text: "a typical short instruction between agents" } });
    for (let i = 0; i < N; i++) await alice.next({ type: "accepted", id: `c${i}` }, 10_000);
    let last = 0;
    for (let i = 0; i < N; i++) last = (await bob.next({ type: "deliver" }, 10_000)).seq;
    bob.send({ type: "ack", seq: last });
    await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    const after = await stub.stats();

    const written = after.rowsWritten - before.rowsWritten;
    const perMessage = written / N;
    console.log(
      `rows written: ${written} for ${N} direct messages = ${perMessage.toFixed(3)} per message; rows read: ${after.rowsRead - before.rowsRead}`,
    );
    expect(after.messagesAccepted - before.messagesAccepted).toBe(N);
    expect(after.auditFlushed - before.auditFlushed).toBe(N);
    // The counter really counts: at least the N message rows.
    expect(written).toBeGreaterThanOrEqual(N);
    expect(perMessage).toBeLessThanOrEqual(1.1);
    const audited = await auditRow<{ n: number }>(
      "select count(*) as n from audit_events where action = 'relay.message_accepted' and json_extract(details, '$.teamId') = ?",
      f.teamId,
    );
    expect(audited!.n).toBe(N);
  });

  it("stats() counts index entries: a message row costs exactly one row written", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const stub = relayStub(f.teamId);
    const before = await stub.stats();
    alice.send({ type: "send", id: "one", to: b.id, body: 1 });
    await alice.next({ type: "accepted", id: "one" });
    const after = await stub.stats();
    expect(after.rowsWritten - before.rowsWritten).toBe(1);
    expect(after.rowsRead).toBeGreaterThan(before.rowsRead);
  });
});
