/**
 * Every trust level × every enforcement point, in workerd, against the one table
 * (workers/shared/trust-levels.ts): the relay (broadcast, topic publish and subscribe over real
 * sockets), the egress proxy (read and write methods through the proxy), and the agent tools
 * (skill invocation over the HTTP agent API, and MCP's tool list). Each expectation is read from
 * TRUST_LEVELS, so the test follows the table — and fails if any point stops reading it.
 */
import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOVERNANCE_TRUST, TRUST_LEVEL_VALUES, TRUST_LEVELS, type TrustLevel } from "../../workers/shared/trust-levels";
import { egressAgent, envelope, type EgressAgent } from "./egress-harness";
import { BASE, call } from "./harness";
import { join, relayFixture, setAllowlist, tokenFor, type RelayClient, type RelayFixture } from "./relay-harness";

const API = "https://api.upstream.example";
const LEVELS = TRUST_LEVEL_VALUES;

describe("the table is consistent with itself", () => {
  it.each(LEVELS)("level %i: needsApproval mirrors egress methods and the guardrail row", (level) => {
    const row = TRUST_LEVELS[level]!;
    expect(row.approvalRequired.includes("egress_read")).toBe(!row.egressMethods.includes("GET"));
    expect(row.approvalRequired.includes("egress_write")).toBe(!row.egressMethods.includes("POST"));
    expect(row.approvalRequired.includes("guardrail_finding")).toBe(GOVERNANCE_TRUST[level]!.guardrailApprovals);
    expect(row.approvalRequired.includes("agent_invocation")).toBe(!row.mayInvokeAgents);
  });
});

describe("relay: broadcast, topics", () => {
  let f: RelayFixture;
  const clients = new Map<TrustLevel, RelayClient>();
  beforeAll(async () => {
    // One agent per level plus a receiver (level 2); every agent may reach the receiver and use topics t.*.
    f = await relayFixture([...LEVELS.map((trustLevel) => ({ trustLevel })), { trustLevel: 2 }]);
    const receiver = f.agents[LEVELS.length]!;
    await setAllowlist(f, {
      edges: LEVELS.map((l) => ({ from: { kind: "agent", id: f.agents[l]!.id }, to: { kind: "agent", id: receiver.id } })),
      topics: [
        { topic: "t.*", subject: { kind: "role", id: "custom" }, action: "publish" },
        { topic: "t.*", subject: { kind: "role", id: "custom" }, action: "subscribe" },
      ],
    });
    for (const l of LEVELS) clients.set(l, await join(f, f.agents[l]!));
  });
  afterAll(() => {
    for (const c of clients.values()) c.close();
  });

  const outcome = async (client: RelayClient, frame: Record<string, unknown>) => {
    client.send(frame);
    const answer = await client.next((x) => x.id === frame.id && (x.type === "accepted" || x.type === "denied"));
    return answer.type === "accepted" ? "accepted" : `denied ${answer.code}`;
  };

  it.each(LEVELS)("level %i", async (level) => {
    const client = clients.get(level)!;
    const row = TRUST_LEVELS[level]!;
    const expect_ = (allowed: boolean) => (allowed ? "accepted" : "denied not_allowed");
    expect(await outcome(client, { type: "broadcast", id: `b${level}`, body: 1 }), "broadcast").toBe(expect_(row.mayBroadcast));
    expect(await outcome(client, { type: "publish", id: `p${level}`, topic: "t.x", body: 1 }), "publish").toBe(expect_(row.topicsPublish));
    expect(await outcome(client, { type: "subscribe", id: `s${level}`, topic: "t.x" }), "subscribe").toBe(expect_(row.topicsSubscribe));
  });
});

describe("egress proxy: methods", () => {
  const agents = new Map<TrustLevel, EgressAgent>();
  beforeAll(async () => {
    const first = await egressAgent({ trustLevel: 0, rules: [{ host: "api.upstream.example" }] });
    agents.set(0, first);
    for (const l of LEVELS.slice(1))
      agents.set(
        l,
        await egressAgent({ trustLevel: l, owner: first.owner, tenantId: first.tenantId, rules: [{ host: "api.upstream.example" }] }),
      );
  });

  it.each(LEVELS)("level %i", async (level) => {
    const agent = agents.get(level)!;
    const row = TRUST_LEVELS[level]!;
    // DELETE also meets the default guardrail policy (http.delete: require_approval), which waits at the levels whose row says so.
    for (const method of ["GET", "POST", "DELETE"]) {
      const res = await envelope(agent.token, { method, url: `${API}/ok`, ...(method === "POST" ? { body: "{}" } : {}) });
      const outcome =
        res.status === 200
          ? "allowed"
          : `${res.status} ${res.body.error.details?.reason} ${res.body.error.details?.trigger?.source ?? ""}`.trim();
      // Both gates open an approval (docs/governance.md#approvals); the trigger says which rule asked for it.
      // When both apply, the guardrail is named (its findings) and the trust rule is in its detail.
      const expected =
        method === "DELETE" && row.approvalRequired.includes("guardrail_finding")
          ? "403 approval_pending guardrail"
          : !row.egressMethods.includes(method)
            ? "403 approval_pending trust_level"
            : "allowed";
      expect(outcome, `${method}: ${JSON.stringify(res.body)}`).toBe(expected);
    }
  });
});

describe("agent tools: skills over the HTTP agent API and MCP", () => {
  let f: RelayFixture;
  beforeAll(async () => {
    f = await relayFixture(LEVELS.map((trustLevel) => ({ trustLevel })));
    const base = `/v1/tenants/${f.tenantId}`;
    const published = await call(`${base}/skills`, {
      body: {
        manifest: {
          name: "trust-probe",
          version: "1.0.0",
          title: "Trust probe",
          description: "Answers ok.",
          network: [],
          env: [],
          files: [],
          handler: { entry: "index.js", runtime: "workers" },
          settings: [],
        },
        modules: { "index.js": "export async function ping() { return { ok: true }; }" },
        tools: [{ name: "ping", description: "Answers ok.", inputSchema: { type: "object" }, outputSchema: { type: "object" } }],
      },
      cookie: f.owner.cookie,
    });
    if (published.status !== 201) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
    for (const agent of f.agents) {
      const res = await call(`${base}/agents/${agent.id}/skills/trust-probe`, {
        method: "PUT",
        body: { mode: "live" },
        cookie: f.owner.cookie,
      });
      if (res.status !== 200) throw new Error(`install: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });

  it.each(LEVELS)("level %i", async (level) => {
    const token = await tokenFor(f.agents[level]!, f.teamId);
    const allowed = TRUST_LEVELS[level]!.agentTools.includes("skills");
    const res = await call("/v1/agent/skills/trust-probe/tools/ping", {
      body: { input: {} },
      headers: { authorization: `Bearer ${token}` },
    });
    if (allowed) expect(res.status, JSON.stringify(res.body)).toBe(200);
    else {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: "not_allowed", details: { trustLevel: level, group: "skills" } });
    }
    const client = new Client({ name: "trust-test", version: "1.0.0" }, { versionNegotiation: { mode: "legacy" } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
        fetch: (url, init) => exports.default.fetch(new Request(url, init)),
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names.includes("trust-probe__ping"), "MCP lists the skill tool").toBe(allowed);
      expect(names).toContain("get_my_profile");
    } finally {
      await client.close();
    }
  });
});
