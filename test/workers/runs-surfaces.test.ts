/**
 * The other surfaces that start and charge runs, through the same service as HTTP
 * (workers/api/src/routes/__tests__/runs.test.ts): the SDK's `invokeAgent` (via "sdk"), the MCP
 * `invoke_agent` tool (via "mcp") and `send_message` with a `runId` counted against the run's budget.
 */
import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { CoordinationClient } from "../../sdk/src/index";
import { coordFixture, openAllowlist } from "./coordination-harness";
import { BASE } from "./harness";
import { join, type RelayClient } from "./relay-harness";

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

const runRequest = (input: unknown) => (fr: any) =>
  fr.type === "deliver" && fr.kind === "request" && JSON.stringify(fr.body?.input) === JSON.stringify(input);

async function mcpClient(token: string): Promise<Client> {
  const client = new Client({ name: "runs-test", version: "1.0.0" }, { versionNegotiation: { mode: "legacy" } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
      fetch: workerFetch,
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe("runs from the SDK and MCP", () => {
  it("SDK invokeAgent runs via sdk; MCP invoke_agent via mcp; a callee's send_message for the run is charged", async () => {
    const f = await coordFixture([{}, {}, {}]);
    await openAllowlist(f);
    const [a, b, c] = f.agents as [any, any, any];
    const cb: RelayClient = await join(f, b);

    const sdk = new CoordinationClient({ url: BASE, agentId: a.id, secret: a.secret, teamId: f.teamId, fetch: workerFetch });
    const pending = sdk.invokeAgent(b.id, { n: 1 }, { budget: { deadlineMs: 5000 } });
    const req = await cb.next(runRequest({ n: 1 }), 5000);
    cb.send({ type: "reply", id: "r1", inReplyTo: req.id, body: { ok: 1 } });
    const run = await pending;
    expect(run).toMatchObject({ status: "succeeded", via: "sdk", output: { ok: 1 } });
    expect(await sdk.getRun(run.id)).toMatchObject({ id: run.id, status: "succeeded" });

    // MCP: A invokes B with a budget of 1 call; B, working on it, sends C two messages for the run.
    const mcpA = await mcpClient(f.tokens.get(a.id)!);
    const mcpB = await mcpClient(f.tokens.get(b.id)!);
    const invoked = mcpA.callTool({
      name: "invoke_agent",
      arguments: { to: b.id, input: "mcp", budget: { maxCalls: 1, deadlineMs: 8000 } },
    });
    const mreq = await cb.next(runRequest("mcp"), 5000);
    const runId = mreq.body.run.id;
    const first = (await mcpB.callTool({ name: "send_message", arguments: { to: c.id, body: "for the run", runId } })) as any;
    expect(first.isError).toBeFalsy();
    const second = (await mcpB.callTool({ name: "send_message", arguments: { to: c.id, body: "one too many", runId } })) as any;
    expect(second.isError).toBe(true);
    expect(JSON.stringify(second.content)).toContain("run_budget_exceeded");
    cb.send({ type: "reply", id: "r2", inReplyTo: mreq.id, body: "done" });
    const out = (await invoked) as any;
    expect(out.isError).toBeFalsy();
    expect(out.structuredContent.run).toMatchObject({ id: runId, via: "mcp", status: "budget_exceeded", used: { calls: 1 } });
    // Someone else's run id is not found for the agent using it.
    const foreign = (await mcpA.callTool({ name: "send_message", arguments: { to: b.id, body: "x", runId } })) as any;
    expect(JSON.stringify(foreign.content)).toContain("not_found");
    // Discovery shows each agent's reputation (B: 1 succeeded, 1 budget exceeded), on HTTP and MCP.
    const listed = (await mcpA.callTool({ name: "list_agents", arguments: {} })) as any;
    const repB = listed.structuredContent.agents.find((x: any) => x.agentId === b.id).reputation;
    expect(repB.runs).toMatchObject({ succeeded: 1, budgetExceeded: 1 });
    const http = await workerFetch(`${BASE}/v1/agent/agents`, { headers: { authorization: `Bearer ${f.tokens.get(a.id)}` } });
    const fromHttp = ((await http.json()) as any).agents.find((x: any) => x.agentId === b.id);
    expect(fromHttp.reputation).toEqual(repB);
    await mcpA.close();
    await mcpB.close();
    cb.ws.close();
  });
});
