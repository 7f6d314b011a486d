/**
 * The SDK inside workerd, as an agent running in a Cloudflare Worker would use it: the token
 * exchange through `fetch`, and the Workers transport (`fetch` with `Upgrade: websocket`, then
 * `accept()`), against the real API Worker and TeamRelay (through `exports.default.fetch`, since a
 * test cannot reach its own Worker over the network). The full behaviour of the client —
 * reconnects, resume, renewals — is covered from Node in test/node/sdk.test.ts; this proves the
 * runtime-specific parts work in the Workers runtime.
 */
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { RelayDeniedError, SwitchboardAgent, workersFetchTransport, type IncomingMessage } from "../../sdk/src/index";
import { agentEdge, relayFixture, setAllowlist, type RelayAgent, type RelayFixture } from "./relay-harness";
import { BASE } from "./harness";

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));
const open: SwitchboardAgent[] = [];

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((a) => a.close()));
});

function agent(f: RelayFixture, who: RelayAgent): SwitchboardAgent {
  const a = new SwitchboardAgent({
    url: BASE,
    agentId: who.id,
    secret: who.secret,
    teamId: f.teamId,
    fetch: workerFetch,
    openSocket: workersFetchTransport(workerFetch),
  });
  open.push(a);
  return a;
}

describe("SDK in workerd", () => {
  it("connects, sends, receives, answers a request, and gets typed denials", async () => {
    const f = await relayFixture([{}, {}]);
    const [pmSpec, engSpec] = f.agents as [RelayAgent, RelayAgent];
    await setAllowlist(f, { edges: [agentEdge(pmSpec, engSpec)] });
    const pm = agent(f, pmSpec);
    const eng = agent(f, engSpec);
    const got: IncomingMessage[] = [];
    eng.on("message", (m) => void got.push(m));
    eng.on("request", () => ({ points: 8 }));
    const [welcome] = await Promise.all([pm.connect(), eng.connect()]);
    expect(welcome).toMatchObject({ type: "welcome", agentId: pmSpec.id, teamId: f.teamId });

    const sent = await pm.send(engSpec.id, { text: "spec ready" }, { clientId: "w-1" });
    expect(sent).toEqual({ id: "w-1", seq: expect.any(Number) });
    const reply = await pm.request(engSpec.id, { ask: "estimate" }, { timeoutMs: 5_000 });
    expect(reply.body).toEqual({ points: 8 });
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(got.map((m) => [m.id, m.body])).toEqual([["w-1", { text: "spec ready" }]]);

    const denied = await eng.send(pmSpec.id, "no edge back", { clientId: "w-2" }).catch((e) => e);
    expect(denied).toBeInstanceOf(RelayDeniedError);
    expect(denied).toMatchObject({ code: "not_allowed", frameId: "w-2" });
  });
});
