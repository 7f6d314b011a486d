/**
 * A recipient that was offline comes back to a full backlog (its queue cap): senders are refused
 * with `queue_full` once it is reached, and the replay is paginated — the relay never has more than
 * two pages (2 × `limits.replayPage` deliver frames) unacknowledged in flight, reads each page with
 * a LIMIT, and goes live only once the backlog is drained, with no gap and no duplicate, messages
 * accepted during the replay included, in seq order.
 *
 * The product's cap is 10,000 and its page 500; this test uses 2,000 and 200 (same code, a fifth of
 * the time on a shared machine). The 10,000-message case is measured by `npm run bench` (backlog).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditRow } from "../../test/workers/audit-view";
import { agentEdge, join, relayFixture, relayStub, setAllowlist, type RelayClient } from "../../test/workers/relay-harness";
import type { RateLimits } from "./rate-limit";
import type { TeamRelay } from "./team-relay";

const BACKLOG = 2_000;
const PAGE = 200;

async function until(predicate: () => boolean, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${detail ? `: ${detail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (c: RelayClient, type: string) => c.inbox.reduce((n, f) => n + (f.type === type ? 1 : 0), 0);

describe("a full backlog", () => {
  it("reaches queue_full as documented, then replays in bounded pages released by acks, live messages included, in order, once each", async () => {
    const f = await relayFixture([{ trustLevel: 4 }, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const stub = relayStub(f.teamId);
    // The rate limit is a trust-level policy, not what is tested here: admit everything.
    const limits = await runInDurableObject(stub, (relay: TeamRelay) => {
      const product = { ...relay.core.limits };
      relay.core.rates = { check: () => ({ ok: true }), consume() {}, refused() {}, forget() {} } as unknown as RateLimits;
      relay.core.limits.queueCap = BACKLOG;
      relay.core.limits.replayPage = PAGE;
      return product;
    });
    expect(limits).toMatchObject({ queueCap: 10_000, replayPage: 500 });
    const page = PAGE;

    const alice = await join(f, a);
    for (let i = 0; i < BACKLOG; i++) alice.send({ type: "send", id: `m${i}`, to: b.id, body: { i } });
    await until(
      () => count(alice, "accepted") === BACKLOG,
      60_000,
      "the backlog accepted",
      () =>
        JSON.stringify({
          accepted: count(alice, "accepted"),
          other: alice.inbox.filter((x) => x.type !== "accepted").slice(0, 3),
          closed: alice.closed,
        }),
    );
    const seqs = alice.inbox.filter((x) => x.type === "accepted").map((x) => x.seq as number);
    alice.inbox.length = 0;

    // Full: the next sender is refused with queue_full, as docs/protocol.md says, and it is audited.
    alice.send({ type: "send", id: "one-too-many", to: b.id, body: "x" });
    const full = await alice.next({ type: "denied", id: "one-too-many" });
    expect(full).toMatchObject({ code: "queue_full", reason: `${b.id} has ${BACKLOG} unacknowledged messages; retry later.` });
    await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    const denial = await auditRow<{ details: string }>(
      "select details from audit_events where action = 'relay.message_denied' and json_extract(details, '$.clientId') = 'one-too-many'",
    );
    expect(JSON.parse(denial!.details)).toMatchObject({ code: "queue_full", recipient: b.id, kind: "direct", bytes: 3 });

    // The recipient comes back and does not ack: two pages, then nothing more.
    const bob = await join(f, b);
    await until(() => count(bob, "deliver") === 2 * page, 20_000, "two pages");
    await new Promise((r) => setTimeout(r, 300));
    expect(count(bob, "deliver")).toBe(2 * page);

    const received: number[] = [];
    let acked = 0;
    let maxInFlight = 0;
    let liveSent = false;
    const drain = () => {
      for (const frame of bob.inbox.splice(0)) if (frame.type === "deliver") received.push(frame.seq);
      maxInFlight = Math.max(maxInFlight, received.filter((s) => s > acked).length);
    };
    drain();
    // Ack as a client would, a page at a time; send one more message while the replay runs.
    while (received.length < BACKLOG + 1) {
      const last = received[received.length - 1]!;
      if (last > acked) {
        acked = last;
        bob.send({ type: "ack", seq: acked });
      }
      if (!liveSent && received.length >= BACKLOG / 2) {
        alice.send({ type: "send", id: "during-replay", to: b.id, body: "late" });
        liveSent = true;
      }
      const before = received.length;
      await until(() => bob.inbox.some((x) => x.type === "deliver"), 20_000, `more after ${before}`);
      await new Promise((r) => setTimeout(r, 30));
      drain();
    }
    const duringReplay = (await alice.next({ type: "accepted", id: "during-replay" })).seq;
    expect(received).toEqual([...seqs, duringReplay]);
    expect(maxInFlight).toBeLessThanOrEqual(2 * page);

    // Live now: the next message arrives without any ack.
    bob.send({ type: "ack", seq: duringReplay });
    alice.send({ type: "send", id: "live", to: b.id, body: "now" });
    const live = await alice.next({ type: "accepted", id: "live" });
    expect(await bob.next({ type: "deliver" })).toMatchObject({ seq: live.seq, body: "now" });
  }, 120_000);
});
