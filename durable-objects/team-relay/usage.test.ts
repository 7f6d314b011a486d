/**
 * Relayed messages are metered for billing (docs/billing.md): at the audit flush each accepted
 * message becomes one `relay_messages` unit for its sender, as an ordered stream per team and
 * sender, so a flush repeated after an eviction (the same seqs again) counts nothing twice.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../workers/shared/db/client";
import { usageCounters } from "../../workers/shared/db/schema";
import { usageMeterFor } from "../../workers/shared/billing/usage";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";
import { flushAccepted } from "./audit-staging";
import type { TeamRelay } from "./team-relay";

async function relayUnits(tenantId: string, agentId: string): Promise<number | undefined> {
  await usageMeterFor(env, tenantId).flush();
  const rows = await createDb(env.DB)
    .select()
    .from(usageCounters)
    .where(and(eq(usageCounters.tenantId, tenantId), eq(usageCounters.kind, "relay_messages"), eq(usageCounters.agentId, agentId)))
    .all();
  return rows[0]?.quantity;
}

describe("relay usage metering", () => {
  it("counts each accepted message once for its sender, even when a flush is repeated", async () => {
    const f = await relayFixture([{ trustLevel: 4 }, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    await join(f, b);
    for (let i = 0; i < 3; i++) alice.send({ type: "send", id: `m${i}`, to: b.id, body: i });
    for (let i = 0; i < 3; i++) await alice.next({ type: "accepted", id: `m${i}` });
    // A denied frame is not a message: nothing to count.
    alice.send({ type: "send", id: "nobody", to: "agt_nobody", body: 0 });
    await alice.next({ type: "denied", id: "nobody" });
    const stub = relayStub(f.teamId);
    await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    expect(await relayUnits(f.tenantId, a.id)).toBe(3);
    expect(await relayUnits(f.tenantId, b.id)).toBeUndefined();

    // The same messages flushed again (as after an eviction before the cursor was stored).
    await runInDurableObject(stub, async (_relay: TeamRelay, state) => {
      await flushAccepted(state.storage.sql, env, { teamId: f.teamId, tenantId: f.tenantId }, 0);
    });
    expect(await relayUnits(f.tenantId, a.id)).toBe(3);
  });
});
