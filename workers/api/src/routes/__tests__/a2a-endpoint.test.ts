/**
 * The A2A endpoint through the official SDK client (`ClientFactory` → card → JSON-RPC transport),
 * inside workerd: agent A's client sends a message to agent B, which is connected to its team
 * relay by WebSocket and answers the relay request; A gets B's answer as a COMPLETED task, and
 * `GetTask` reads it back from D1. Not allowlisted → FAILED with the relay's reason; another
 * tenant's token → refused (404); another caller cannot read the task.
 */
import { Role, SendMessageRequest, TaskState, type Task } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  createAuthenticatingFetchWithRetry,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  type Client,
} from "@a2a-js/sdk/client";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call, expectError } from "../../../../../test/workers/harness";
import { agentEdge, join, relayFixture, setAllowlist, tokenFor } from "../../../../../test/workers/relay-harness";

/** An SDK client whose every request (card and JSON-RPC) carries the agent token, served by this Worker. */
async function a2aClient(agentId: string, token: string): Promise<Client> {
  const authFetch = createAuthenticatingFetchWithRetry((input, init) => exports.default.fetch(new Request(input as RequestInfo, init)), {
    headers: async () => ({ Authorization: `Bearer ${token}` }),
    shouldRetryWithHeaders: async () => undefined,
  });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: authFetch })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: authFetch }),
    }),
  );
  // The trailing slash matters: the SDK resolves `.well-known/agent-card.json` relative to the base (docs/a2a.md).
  return factory.createFromUrl(`${BASE}/v1/a2a/agents/${agentId}/`);
}

const textMessage = (text: string) =>
  SendMessageRequest.fromJSON({ message: { messageId: crypto.randomUUID(), role: "ROLE_USER", parts: [{ text }] } });

const textOf = (task: Task) =>
  (task.status?.message?.parts ?? []).map((p) => (p.content?.$case === "text" ? p.content.value : JSON.stringify(p.content))).join("");

async function team() {
  const f = await relayFixture([{}, {}, {}]);
  const [a, b, c] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
  await setAllowlist(f, { edges: [agentEdge(a, b)] });
  return { f, a, b, c, tokenA: await tokenFor(a, f.teamId), tokenC: await tokenFor(c, f.teamId) };
}

describe("A2A endpoint", () => {
  it("A's SDK client sends B a message; B answers on the relay; A gets a COMPLETED task that GetTask reads back", async () => {
    const { f, a, b, tokenA } = await team();
    const relayB = await join(f, b);
    const client = await a2aClient(b.id, tokenA);

    const sent = client.sendMessage(textMessage("What is the build status?"));
    const delivered = await relayB.next({ type: "deliver", kind: "request" }, 10_000);
    expect(delivered.from).toBe(a.id);
    // Delivered as a run (docs/runs.md): the relay request carries the run and the A2A input.
    expect(delivered.body.run).toMatchObject({ id: expect.stringMatching(/^run_/) });
    expect(delivered.body.input).toMatchObject({
      text: "What is the build status?",
      parts: [{ text: "What is the build status?" }],
      a2a: { callerAgentId: a.id },
    });
    relayB.send({ type: "reply", id: "r-1", inReplyTo: delivered.id, body: { text: "green" } });

    const task = (await sent) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.id).toBe(delivered.body.input.a2a.taskId);
    expect(textOf(task)).toBe("green");
    expect(task.status?.message?.role).toBe(Role.ROLE_AGENT);
    expect(task.artifacts[0]?.parts[0]?.content).toEqual({ $case: "text", value: "green" });

    // Durable: the task is a D1 row, and GetTask (a new request) reads it back with the history.
    const row = await env.DB.prepare("SELECT agent_id, caller_agent_id, state FROM a2a_tasks WHERE id = ?").bind(task.id).first();
    expect(row).toEqual({ agent_id: b.id, caller_agent_id: a.id, state: "TASK_STATE_COMPLETED" });
    // The invocation is a run via A2A, pinned to the callee's card version.
    const run = await env.DB.prepare("SELECT caller_agent_id, callee_agent_id, via, status, card_version FROM runs WHERE id = ?")
      .bind(delivered.body.run.id)
      .first();
    expect(run).toEqual({ caller_agent_id: a.id, callee_agent_id: b.id, via: "a2a", status: "succeeded", card_version: "1.0.1" });
    const again = await client.getTask({ id: task.id, tenant: "", historyLength: undefined });
    expect(again.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(again)).toBe("green");
    expect(again.history.map((m) => m.role)).toContain(Role.ROLE_USER);

    // A finished task cannot be canceled.
    await expect(client.cancelTask({ id: task.id, tenant: "", metadata: undefined })).rejects.toThrow(/cancel/i);
    relayB.close();
  });

  it("returnImmediately answers a WORKING task; CancelTask cancels it and B's late reply does not revive it", async () => {
    const { f, b, tokenA } = await team();
    const relayB = await join(f, b);
    const client = await a2aClient(b.id, tokenA);
    const request = textMessage("long job");
    request.configuration = { acceptedOutputModes: [], taskPushNotificationConfig: undefined, returnImmediately: true };
    const working = (await client.sendMessage(request)) as Task;
    expect(working.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const delivered = await relayB.next({ type: "deliver", kind: "request" }, 10_000);
    const canceled = await client.cancelTask({ id: working.id, tenant: "", metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    relayB.send({ type: "reply", id: "r-late", inReplyTo: delivered.id, body: "done after all" });
    await relayB.next({ type: "accepted", id: "r-late" });
    // Wait until the background execution has finished the run with B's reply (and tried to store it).
    const runId = delivered.body.run.id as string;
    await expect
      .poll(() => env.DB.prepare("SELECT status FROM runs WHERE id = ?").bind(runId).first("status"), { timeout: 10_000 })
      .toBe("succeeded");
    await new Promise((r) => setTimeout(r, 200));
    expect((await client.getTask({ id: working.id, tenant: "", historyLength: undefined })).status?.state).toBe(
      TaskState.TASK_STATE_CANCELED,
    );
    relayB.close();
  });

  it("a structured reply becomes a data part", async () => {
    const { f, b, tokenA } = await team();
    const relayB = await join(f, b);
    const client = await a2aClient(b.id, tokenA);
    const sent = client.sendMessage(textMessage("numbers?"));
    const delivered = await relayB.next({ type: "deliver", kind: "request" }, 10_000);
    relayB.send({ type: "reply", id: "r-2", inReplyTo: delivered.id, body: { passed: 41, failed: 1 } });
    const task = (await sent) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.status?.message?.parts[0]?.content).toEqual({ $case: "data", value: { passed: 41, failed: 1 } });
    relayB.close();
  });

  it("not allowlisted: the relay refuses and the task is FAILED with its reason; B receives nothing", async () => {
    const { f, b, c, tokenC } = await team();
    const relayB = await join(f, b);
    const client = await a2aClient(b.id, tokenC);
    const task = (await client.sendMessage(textMessage("let me in"))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(textOf(task)).toContain("not_allowed");
    await relayB.none({ type: "deliver" });
    // The failed task is stored too, for its caller only.
    expect((await client.getTask({ id: task.id, tenant: "", historyLength: undefined })).status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(await env.DB.prepare("SELECT caller_agent_id FROM a2a_tasks WHERE id = ?").bind(task.id).first("caller_agent_id")).toBe(c.id);
    // The refused invocation is a denied run.
    expect(
      await env.DB.prepare("SELECT status FROM runs WHERE caller_agent_id = ? AND callee_agent_id = ? AND via = 'a2a'")
        .bind(c.id, b.id)
        .first("status"),
    ).toBe("denied");
    relayB.close();
  });

  it("another caller cannot read a task; another tenant's token is refused; bad tokens are 401", async () => {
    const { f, b, tokenA, tokenC } = await team();
    const relayB = await join(f, b);
    const clientA = await a2aClient(b.id, tokenA);
    const sent = clientA.sendMessage(textMessage("private"));
    const delivered = await relayB.next({ type: "deliver", kind: "request" }, 10_000);
    relayB.send({ type: "reply", id: "r-3", inReplyTo: delivered.id, body: "ok" });
    const task = (await sent) as Task;
    // C (same team) asks for A's task: not found.
    const clientC = await a2aClient(b.id, tokenC);
    await expect(clientC.getTask({ id: task.id, tenant: "", historyLength: undefined })).rejects.toThrow(/not found/i);

    // Another tenant's agent token: B's card and endpoint are not there (404).
    const other = await relayFixture([{}]);
    const otherToken = await tokenFor(other.agents[0]!, other.teamId);
    await expect(a2aClient(b.id, otherToken)).rejects.toThrow(/404/);
    const rpc = { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: task.id } };
    const headers = { authorization: `Bearer ${otherToken}`, "A2A-Version": "1.0" };
    expectError(await call(`/v1/a2a/agents/${b.id}`, { body: rpc, headers }), 404, "not_found");
    // No token, a forged one, and a token without a team (the relay needs the team).
    expectError(await call(`/v1/a2a/agents/${b.id}`, { body: rpc, headers: { "A2A-Version": "1.0" } }), 401, "unauthenticated");
    expectError(
      await call(`/v1/a2a/agents/${b.id}`, { body: rpc, headers: { ...headers, authorization: `Bearer ${tokenA.slice(0, -4)}AAAA` } }),
      401,
      "unauthenticated",
    );
    const noTeam = await tokenFor(f.agents[0]!);
    expectError(
      await call(`/v1/a2a/agents/${b.id}`, { body: rpc, headers: { ...headers, authorization: `Bearer ${noTeam}` } }),
      403,
      "forbidden",
    );
    // An agent cannot call itself.
    expectError(
      await call(`/v1/a2a/agents/${f.agents[0]!.id}`, { body: rpc, headers: { ...headers, authorization: `Bearer ${tokenA}` } }),
      400,
      "self_invocation",
    );
    relayB.close();
  });

  it("speaks JSON-RPC errors for protocol problems: unknown method, missing A2A-Version, A2A media type accepted", async () => {
    const { b, tokenA } = await team();
    const auth = { authorization: `Bearer ${tokenA}` };
    const unknown = await call(`/v1/a2a/agents/${b.id}`, {
      body: { jsonrpc: "2.0", id: 7, method: "NoSuchMethod", params: {} },
      headers: { ...auth, "A2A-Version": "1.0" },
    });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32601 } });
    const noVersion = await call(`/v1/a2a/agents/${b.id}`, {
      body: { jsonrpc: "2.0", id: 8, method: "GetTask", params: { id: "x" } },
      headers: auth,
    });
    expect(noVersion.body).toMatchObject({ id: 8, error: { message: expect.stringMatching(/version/i) } });
    const a2aType = await call(`/v1/a2a/agents/${b.id}`, {
      rawBody: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "GetTask", params: { id: "missing" } }),
      contentType: "application/a2a+json",
      headers: { ...auth, "A2A-Version": "1.0" },
    });
    expect(a2aType.status).toBe(200);
    expect(a2aType.body).toMatchObject({ id: 9, error: { code: -32001 } });
  });
});
