/**
 * The MCP server through a real MCP client (the SDK's own `Client` + Streamable HTTP transport),
 * in workerd against the real Worker: auth (no token, bad token, protected-resource metadata),
 * every tool listed and called, tool errors carrying the project's codes, resources, both protocol
 * eras (2025 `initialize` and 2026-07-28 negotiation), and a sprint hand-off between two agents
 * configured with nothing but the URL and their tokens.
 */
import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOL_NAMES } from "../../mcp/tools";
import { RESOURCE_URIS } from "../../mcp/resources";
import { coordFixture, coordPath, openAllowlist, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { BASE, call } from "../../../../../test/workers/harness";

let f: CoordFixture;
const clients: Client[] = [];

const workerFetch = (url: string | URL, init?: RequestInit) => exports.default.fetch(new Request(url, init));

async function mcpClient(token: string, mode: "legacy" | "auto" = "legacy"): Promise<Client> {
  const client = new Client({ name: "switchboard-test", version: "1.0.0" }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    fetch: workerFetch,
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

type ToolOut = { isError?: boolean; structuredContent?: any; content: Array<{ type: string; text?: string }> };
const callTool = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as ToolOut;
const ok = (r: ToolOut) => {
  if (r.isError) throw new Error(`tool error: ${JSON.stringify(r.content)}`);
  return r.structuredContent;
};

beforeAll(async () => {
  f = await coordFixture([{ template: "pm" }, { template: "engineering" }, { template: "ops" }]);
  await openAllowlist(f);
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
});

describe("MCP auth", () => {
  it("refuses a request without a token with 401 and the protected-resource metadata URL", async () => {
    const res = await call("/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { accept: "application/json, text/event-stream" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`);
    const bad = await call("/mcp", {
      body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
      headers: { authorization: "Bearer x.y.z", accept: "application/json, text/event-stream" },
    });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ error: "invalid_token" });
    const meta = await call("/.well-known/oauth-protected-resource/mcp");
    expect(meta.body).toMatchObject({ resource: `${BASE}/mcp`, bearer_methods_supported: ["header"] });
  });

  it("refuses a foreign Host (DNS rebinding) even with a valid token", async () => {
    const res = await exports.default.fetch(
      new Request(`http://evil.example/mcp`, {
        method: "POST",
        headers: {
          host: "evil.example",
          authorization: `Bearer ${f.tokens.get(f.agents[0]!.id)}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          origin: "http://evil.example",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      }),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("MCP tools", () => {
  it("lists every tool with a description and a JSON schema, and every resource", async () => {
    const client = await mcpClient(f.tokens.get(f.agents[0]!.id)!);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const t of tools) {
      expect(t.description?.length, t.name).toBeGreaterThan(20);
      expect(t.inputSchema.type, t.name).toBe("object");
    }
    // Inline schemas (no $ref for clients that do not follow them), with the fields' descriptions.
    expect(JSON.stringify(tools.map((t) => t.inputSchema))).not.toContain("$ref");
    expect(tools.find((t) => t.name === "acquire_lock")!.inputSchema).toMatchObject({
      required: ["name"],
      properties: { ttlMs: { type: "integer", description: expect.stringContaining("renewed") } },
    });
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(Object.values(RESOURCE_URIS).sort());
  });

  it("calls every tool: coordination works, relay messaging goes through the relay (send, inbox, ack, request and reply), refusals are tool errors with our codes", async () => {
    const [pmId, engId] = [f.agents[0]!.id, f.agents[1]!.id];
    const pm = await mcpClient(f.tokens.get(pmId)!);
    const eng = await mcpClient(f.tokens.get(engId)!, "auto");
    const called = new Set<string>();
    const run = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
      called.add(name);
      return callTool(client, name, args);
    };

    const profile = ok(await run(pm, "get_my_profile")).profile;
    expect(profile).toMatchObject({ agentId: pmId, role: "pm", teamId: f.teamId, tenantId: f.tenantId });
    expect(ok(await run(pm, "heartbeat", { capabilities: ["planning"], status: "planning sprint 9" })).agent.online).toBe(true);
    expect(ok(await run(pm, "list_agents")).agents).toHaveLength(3);

    const lock = ok(await run(pm, "acquire_lock", { name: "mcp:lock", ttlMs: 10_000 })).lock;
    const held = await callTool(eng, "acquire_lock", { name: "mcp:lock" });
    expect(held.isError).toBe(true);
    expect(held.structuredContent.error).toMatchObject({ code: "lock_held", details: { fencingToken: lock.fencingToken } });
    expect(ok(await run(pm, "renew_lock", { name: "mcp:lock", fencingToken: lock.fencingToken, ttlMs: 20_000 })).lock.fencingToken).toBe(
      lock.fencingToken,
    );
    expect(ok(await run(pm, "release_lock", { name: "mcp:lock", fencingToken: lock.fencingToken }))).toEqual({ released: true });

    const task = ok(await run(pm, "create_task", { title: "Write the API", assignee: engId, labels: ["sprint-9"] })).task;
    const claim = ok(await run(eng, "claim_task", {})).task;
    expect(claim.id).toBe(task.id);
    expect(ok(await run(eng, "complete_task", { taskId: claim.id, claimToken: claim.claimToken, result: { pr: 12 } })).task.state).toBe(
      "completed",
    );
    const task2 = ok(await run(pm, "create_task", { title: "Flaky", assignee: engId, maxAttempts: 1 })).task;
    const claim2 = ok(await run(eng, "claim_task", { taskId: task2.id })).task;
    expect(ok(await run(eng, "fail_task", { taskId: claim2.id, claimToken: claim2.claimToken, error: "tests red" })).task.state).toBe(
      "dead",
    );
    const stale = await callTool(eng, "complete_task", { taskId: claim2.id, claimToken: claim2.claimToken });
    expect(stale.structuredContent.error.code).toBe("lease_lost");

    expect(
      ok(await run(pm, "handoff", { to: engId, key: "sprint-9", title: "Sprint 9", done: "planned", next: "build" })).handoff.version,
    ).toBe(1);
    expect(ok(await run(eng, "read_handoffs", {})).handoffs[0]).toMatchObject({ key: "sprint-9", from: { id: pmId } });

    ok(await run(pm, "remember", { content: "Sprint 9 goal is SSO", scope: "team", tags: ["sprint-9"] }));
    expect(ok(await run(eng, "recall", { query: "SSO" })).memories[0].content).toBe("Sprint 9 goal is SSO");

    expect(ok(await run(pm, "check_guardrails", { action: "deploy", resource: "prod" }))).toMatchObject({
      allowed: true,
      decision: "allow",
      engine: "native",
      findings: [],
    });
    expect(ok(await run(pm, "check_guardrails", { action: "shell.exec", content: "sudo bash -c 'rm -rf /'" }))).toMatchObject({
      allowed: false,
      decision: "block",
      findings: [expect.objectContaining({ ruleId: "fs.rm_root" })],
    });

    // Relay messaging: the relay's own judge and effects behind the tools (durable-objects/team-relay/agent-rpc.ts).
    const sent = ok(await run(pm, "send_message", { to: engId, body: { hi: 1 }, clientId: "mcp-hi" }));
    expect(sent.seq).toBeGreaterThan(0);
    expect(ok(await run(pm, "send_message", { to: engId, body: { hi: 1 }, clientId: "mcp-hi" })).seq).toBe(sent.seq); // idempotent
    const inbox = ok(await run(eng, "read_inbox", { limit: 10 }));
    expect(inbox.messages).toEqual([expect.objectContaining({ seq: sent.seq, from: pmId, kind: "direct", id: "mcp-hi", body: { hi: 1 } })]);
    expect(ok(await run(eng, "ack", { seq: sent.seq }))).toEqual({ cursor: sent.seq });
    expect(ok(await run(eng, "read_inbox", {})).messages).toEqual([]);
    // A request waits for its reply: eng finds it in its inbox under the relay's id for it and answers.
    const asked = run(pm, "request", { to: engId, body: { ask: "status?" }, timeoutMs: 10_000 });
    let request: { id: string; seq: number } | undefined;
    for (let i = 0; i < 100 && !request; i++) {
      request = ok(await callTool(eng, "read_inbox", {})).messages.find((m: { kind: string }) => m.kind === "request");
      if (!request) await new Promise((r) => setTimeout(r, 50));
    }
    expect(request!.id).toBe(`req-${request!.seq}`);
    const replied = ok(await run(eng, "reply", { inReplyTo: request!.id, body: { ok: true } }));
    const answer = ok(await asked);
    expect(answer).toMatchObject({
      seq: request!.seq,
      reply: { seq: replied.seq, from: engId, kind: "reply", body: { ok: true }, requestSeq: request!.seq },
    });
    // A second reply, or one naming another id, is refused like the frame (request_timeout), and delivered to no one.
    const again = await callTool(eng, "reply", { inReplyTo: request!.id, body: { ok: false } });
    expect(again.structuredContent.error.code).toBe("request_timeout");
    // Nobody answers: request_timeout after timeoutMs.
    const unanswered = await callTool(pm, "request", { to: engId, body: { ask: "anyone?" }, timeoutMs: 300 });
    expect(unanswered.isError).toBe(true);
    expect(unanswered.structuredContent.error.code).toBe("request_timeout");
    // The frame's checks apply (here: the recipient must be a member of the team).
    const nobody = await callTool(pm, "send_message", { to: "agt_nobody", body: 1 });
    expect(nobody.structuredContent.error.code).toBe("not_found");

    // invoke_agent (docs/runs.md): nobody answers this run, so it ends timed_out — a run, not a tool error.
    const timedOut = ok(await run(pm, "invoke_agent", { to: engId, input: { ask: "?" }, budget: { deadlineMs: 300 } })).run;
    expect(timedOut).toMatchObject({ status: "timed_out", via: "mcp", callerAgentId: pmId, calleeAgentId: engId });

    // Audit events are flushed within about half a second.
    let events: Array<{ action: string; actor: { id: string } }> = [];
    for (let i = 0; i < 40 && !events.some((e) => e.action === "coordination.handoff_created"); i++) {
      await new Promise((r) => setTimeout(r, 250));
      events = ok(await run(pm, "query_audit", { limit: 100 })).events;
    }
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(["coordination.lock_acquired", "coordination.task_created", "coordination.handoff_created"]),
    );
    expect(events.every((e) => e.actor.id === pmId)).toBe(true);
    expect([...called].sort()).toEqual([...TOOL_NAMES].sort());
  });

  it("bad arguments are refused by the tool's schema", async () => {
    const pm = await mcpClient(f.tokens.get(f.agents[0]!.id)!);
    const r = await pm
      .callTool({ name: "acquire_lock", arguments: { name: "x", ttlMs: 5 } })
      .catch((e: Error) => ({ isError: true, content: [{ type: "text", text: e.message }] }));
    expect((r as ToolOut).isError).toBe(true);
  });

  it("reads the resources", async () => {
    const eng = await mcpClient(f.tokens.get(f.agents[1]!.id)!);
    const profile = await eng.readResource({ uri: RESOURCE_URIS.profile });
    expect(JSON.parse((profile.contents[0] as { text: string }).text)).toMatchObject({ agentId: f.agents[1]!.id });
    const tasks = JSON.parse(((await eng.readResource({ uri: RESOURCE_URIS.tasks })).contents[0] as { text: string }).text);
    expect(tasks.counts).toHaveProperty("queued");
    const inbox = JSON.parse(((await eng.readResource({ uri: RESOURCE_URIS.inbox })).contents[0] as { text: string }).text);
    expect(inbox).toHaveProperty("handoffs");
    expect(Array.isArray(inbox.messages)).toBe(true);
    const memories = JSON.parse(((await eng.readResource({ uri: RESOURCE_URIS.memories })).contents[0] as { text: string }).text);
    expect(memories.memories.length).toBeGreaterThan(0);
  });
});

describe("done means", () => {
  it("two agents with only the URL and their tokens run a sprint hand-off over MCP", async () => {
    const [pmA, engA, opsA] = f.agents;
    const run = (
      await call(coordPath(f, "/workflows"), { body: { template: "sprint-handoff", title: "Sprint MCP" }, cookie: f.owner.cookie })
    ).body.run;
    const pm = await mcpClient(f.tokens.get(pmA!.id)!);
    const eng = await mcpClient(f.tokens.get(engA!.id)!, "auto");
    const plan = ok(await callTool(pm, "claim_task", { taskId: run.steps[0].taskId })).task;
    ok(await callTool(pm, "complete_task", { taskId: plan.id, claimToken: plan.claimToken, result: { goal: "SSO", tickets: 3 } }));
    const [handoff] = ok(await callTool(eng, "read_handoffs", { key: `${run.id}:build` })).handoffs;
    expect(handoff.context.result).toEqual({ goal: "SSO", tickets: 3 });
    const build = ok(await callTool(eng, "claim_task", {})).task;
    expect(build.id).toBe(run.steps[1].taskId);
    ok(await callTool(eng, "complete_task", { taskId: build.id, claimToken: build.claimToken, result: "v1.4 built" }));
    const view = await call(coordPath(f, `/workflows/${run.id}`), { cookie: f.viewer.cookie });
    expect(view.body.run.steps.map((s: { state: string }) => s.state)).toEqual(["completed", "completed", "queued"]);
    expect(view.body.run.steps[2].assignee).toBe(opsA!.id);
  });
});
