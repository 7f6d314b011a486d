/**
 * The skill runtime (issue 19): custom skills' code published with its tools, run for an agent in a
 * Dynamic Worker (the Worker Loader binding of local workerd), with the egress proxy as its only
 * network and the manifest's settings as its only env — and the ugly paths.
 */
import { exports } from "cloudflare:workers";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { describe, expect, it } from "vitest";
import { BASE, call } from "../../../../../test/workers/harness";
import { coordFixture } from "../../../../../test/workers/coordination-harness";
import { egressAgent, egressEvents, flushGate, upstreamSaw, type EgressAgent } from "../../../../../test/workers/egress-harness";
import { auditResults } from "../../../../../test/workers/audit-view";

const anyObject = { type: "object" };

function pkg(source: string, over: { manifest?: Record<string, unknown>; tools?: Array<Record<string, unknown>> } = {}) {
  return {
    manifest: {
      name: "acme-tools",
      version: "1.0.0",
      title: "Acme tools",
      description: "Calls the Acme upstream.",
      network: [{ host: "api.upstream.example", methods: ["GET", "POST"] }],
      env: [],
      files: [],
      handler: { entry: "index.js", runtime: "workers" },
      settings: [{ name: "GREETING", value: "hello" }],
      ...over.manifest,
    },
    modules: { "index.js": source },
    tools: over.tools ?? [{ name: "run", description: "Runs.", inputSchema: anyObject, outputSchema: anyObject }],
  };
}

async function relayToken(agent: EgressAgent): Promise<string> {
  const res = await call("/v1/agent-tokens", { body: { agentId: agent.agentId, secret: agent.secret, audience: "relay" } });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

async function publishAndInstall(agent: EgressAgent, body: ReturnType<typeof pkg>, mode: "live" | "mock" = "live") {
  const base = `/v1/tenants/${agent.tenantId}`;
  const published = await call(`${base}/skills`, { body, cookie: agent.owner.cookie });
  if (published.status !== 201) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  const installed = await call(`${base}/agents/${agent.agentId}/skills/${body.manifest.name}`, {
    method: "PUT",
    body: { mode },
    cookie: agent.owner.cookie,
  });
  if (installed.status !== 200) throw new Error(`install: ${installed.status} ${JSON.stringify(installed.body)}`);
  return published.body.skill;
}

async function invoke(token: string, skill: string, tool: string, input: unknown) {
  return call(`/v1/agent/skills/${skill}/tools/${tool}`, { body: { input }, headers: { authorization: `Bearer ${token}` } });
}

describe("publish and invoke", () => {
  it("runs a tool in a Dynamic Worker: env holds only the settings, the network is the egress proxy", async () => {
    const agent = await egressAgent();
    const skill = await publishAndInstall(
      agent,
      pkg(`export async function run(input, ctx) {
  const res = await fetch("https://api.upstream.example/echo/" + input.tag);
  return { env: Object.keys(ctx.settings), greeting: ctx.settings.GREETING, status: res.status, seen: (await res.json()).url };
}`),
    );
    expect(skill.versions[0].code.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const token = await relayToken(agent);
    const tag = crypto.randomUUID();
    const res = await invoke(token, "acme-tools", "run", { tag });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toEqual({
      env: ["GREETING"],
      greeting: "hello",
      status: 200,
      seen: `https://api.upstream.example/echo/${tag}`,
    });
    expect(await upstreamSaw(tag)).toHaveLength(1);
  });
});

async function skillEvents(tenantId: string, agentId: string) {
  await flushGate(agentId);
  const rows = await auditResults<{ action: string; outcome: string; details: string }>(
    "SELECT action, outcome, details FROM audit_events WHERE tenant_id = ? AND actor_id = ? AND action = 'skill.invoked' ORDER BY seq",
    tenantId,
    agentId,
  );
  return rows.results.map((r) => ({ ...r, details: JSON.parse(r.details) }));
}

describe("the ugly paths", () => {
  it("an undeclared host is refused by the egress proxy, and both the call and the invocation are audited", async () => {
    const agent = await egressAgent();
    await publishAndInstall(
      agent,
      pkg(`export async function run(input) {
  const res = await fetch("https://other.upstream.example/echo/" + input.tag);
  return { status: res.status, egress: res.headers.get("x-switchboard-egress"), body: await res.json() };
}`),
    );
    const token = await relayToken(agent);
    const tag = crypto.randomUUID();
    const res = await invoke(token, "acme-tools", "run", { tag });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({
      status: 403,
      egress: "denied",
      body: { error: { code: "egress_denied", details: { reason: "no_matching_rule" } } },
    });
    expect(await upstreamSaw(tag)).toEqual([]);
    const [invoked] = await skillEvents(agent.tenantId, agent.agentId);
    const egress = await egressEvents(agent.tenantId, agent.agentId);
    expect(egress.find((e) => e.action === "egress.request_denied")?.details, JSON.stringify(egress)).toMatchObject({
      via: "outbound",
      skill: "acme-tools",
      reason: "no_matching_rule",
    });
    expect(invoked).toMatchObject({
      outcome: "success",
      details: {
        skill: "acme-tools",
        version: "1.0.0",
        tool: "run",
        via: "http",
        inputHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        outputHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        error: null,
      },
    });
    expect(invoked!.details.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a declared secret is never visible to the code; the injected credential echoed back is redacted", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    const body = pkg(
      `export async function run(input, ctx) {
  const res = await fetch("https://api.upstream.example/echo-secret/" + input.tag);
  const globals = Object.getOwnPropertyNames(globalThis).filter((k) => /TOKEN|SECRET|DB|LOADER|EGRESS|VAULT/.test(k));
  return { settings: ctx.settings, globals, echoed: await res.text(), header: res.headers.get("x-debug-auth") };
}`,
      { manifest: { env: [{ name: "ACME_TOKEN", required: true }] } },
    );
    await publishAndInstall(agent, body);
    const value = `acme-${crypto.randomUUID()}`;
    const created = await call(`${base}/secrets`, {
      body: {
        name: "ACME_TOKEN",
        value,
        host: "api.upstream.example",
        injection: { type: "header", name: "authorization" },
        scope: { skills: ["acme-tools"] },
      },
      cookie: agent.owner.cookie,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = await relayToken(agent);
    const tag = crypto.randomUUID();
    const res = await invoke(token, "acme-tools", "run", { tag });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // The upstream got the credential …
    expect((await upstreamSaw(tag))[0]!.headers.authorization).toBe(`Bearer ${value}`);
    // … the code never had it, and what came back to the code was redacted.
    expect(res.body.output.settings).toEqual({ GREETING: "hello" });
    expect(res.body.output.globals).toEqual([]);
    expect(res.body.output.echoed).toContain("[REDACTED]");
    expect(res.body.output.header).toContain("[REDACTED]");
    expect(JSON.stringify(res.body)).not.toContain(value);
    expect(JSON.stringify(res.body)).not.toContain(btoa(`Bearer ${value}`).slice(0, 40));
  });

  it("an endless loop is stopped with a clear error, audited as a failure; the isolate keeps serving", async () => {
    const agent = await egressAgent();
    await publishAndInstall(
      agent,
      pkg(`export async function run(input) {
  if (input.loop) { let n = 0; for (;;) { n++; } }
  return { ok: true };
}`),
    );
    const token = await relayToken(agent);
    const res = await invoke(token, "acme-tools", "run", { loop: true });
    expect(res.status, JSON.stringify(res.body)).toBe(502);
    expect(res.body.error.code).toBe("skill_cpu_limit");
    expect(res.body.error.message).toContain("CPU budget");
    // A budget is per invocation: the next call in the same isolate runs.
    expect((await invoke(token, "acme-tools", "run", { loop: false })).body.output).toEqual({ ok: true });
    const events = await skillEvents(agent.tenantId, agent.agentId);
    expect(events.map((e) => [e.outcome, e.details.error])).toEqual([
      ["failure", "skill_cpu_limit"],
      ["success", null],
    ]);
  });

  it("an unbounded allocation is stopped with a clear error", async () => {
    const agent = await egressAgent();
    await publishAndInstall(
      agent,
      pkg(`export async function run() { const chunks = []; for (;;) chunks.push(new Uint8Array(16 * 1024 * 1024)); }`),
    );
    const res = await invoke(await relayToken(agent), "acme-tools", "run", {});
    expect(res.status, JSON.stringify(res.body)).toBe(502);
    expect(res.body.error.code).toBe("skill_memory_limit");
  });

  it("no bindings, no cloudflare: modules, not the API's own host", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    // Refused at publish: built-in and dynamic imports (the only ways to a module beside fetch).
    for (const source of [
      `import { connect } from "cloudflare:sockets"; export function run() { return {}; }`,
      `export async function run() { return await import("cloudflare:workers"); }`,
      `import x from "node:fs"; export function run() { return {}; }`,
    ]) {
      const res = await call(`${base}/skills`, { body: pkg(source), cookie: agent.owner.cookie });
      expect(res.status, source).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    await publishAndInstall(
      agent,
      pkg(`export async function run(input, ctx) {
  const api = await fetch(input.api + "/v1/health");
  return { env: Object.keys(ctx.settings), apiStatus: api.status, apiReason: (await api.json()).error?.details?.reason ?? null };
}`),
    );
    const res = await invoke(await relayToken(agent), "acme-tools", "run", { api: "http://localhost:8787" });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output.env).toEqual(["GREETING"]);
    expect(res.body.output.apiStatus).toBe(403);
    expect(["platform_host", "blocked_hostname", "scheme_not_allowed", "port_not_allowed"]).toContain(res.body.output.apiReason);
  });

  it("another tenant's skill is 404; a yanked version does not run; a manifest-only version has no tools", async () => {
    const a = await egressAgent();
    await publishAndInstall(a, pkg(`export function run() { return { ran: true }; }`));
    const tokenA = await relayToken(a);
    expect((await invoke(tokenA, "acme-tools", "run", {})).body.output).toEqual({ ran: true });
    // Tenant B's agent, same skill name: not installed there → 404, and B cannot read A's source.
    const b = await egressAgent();
    const cross = await invoke(await relayToken(b), "acme-tools", "run", {});
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe("not_found");
    expect((await call(`/v1/tenants/${b.tenantId}/skills/acme-tools/versions/1.0.0/source`, { cookie: b.owner.cookie })).status).toBe(404);
    expect((await call(`/v1/tenants/${a.tenantId}/skills/acme-tools/versions/1.0.0/source`, { cookie: b.owner.cookie })).status).toBe(404);
    // Unknown tool, bad input.
    expect((await invoke(tokenA, "acme-tools", "nope", {})).body.error.code).toBe("skill_tool_not_found");
    // Yanked after install: refused before any code runs.
    const yank = await call(`/v1/tenants/${a.tenantId}/skills/acme-tools/versions/1.0.0/yank`, {
      body: { message: "leaks" },
      cookie: a.owner.cookie,
    });
    expect(yank.status).toBe(200);
    const yanked = await invoke(tokenA, "acme-tools", "run", {});
    expect(yanked.status).toBe(409);
    expect(yanked.body.error.code).toBe("skill_version_yanked");
    expect((await call("/v1/agent/skills/tools", { headers: { authorization: `Bearer ${tokenA}` } })).body.data).toEqual([]);
    // No token: 401.
    expect((await call("/v1/agent/skills/acme-tools/tools/run", { body: { input: {} } })).status).toBe(401);
  });

  it("validates input and output against the tool's schemas", async () => {
    const agent = await egressAgent();
    const tools = [
      {
        name: "run",
        description: "Adds.",
        inputSchema: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
        outputSchema: { type: "object", required: ["sum"], properties: { sum: { type: "integer" } } },
      },
    ];
    await publishAndInstall(
      agent,
      pkg(`export function run(input) { return input.n === 0 ? { sum: "zero" } : { sum: input.n + 1 }; }`, { tools }),
    );
    const token = await relayToken(agent);
    expect((await invoke(token, "acme-tools", "run", { n: 1 })).body.output).toEqual({ sum: 2 });
    const bad = await invoke(token, "acme-tools", "run", { n: "x" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    const badOut = await invoke(token, "acme-tools", "run", { n: 0 });
    expect(badOut.status).toBe(502);
    expect(badOut.body.error.code).toBe("skill_output_invalid");
  });
});

describe("mock mode", () => {
  it("the dry run runs the code for real with nothing leaving, and lists every call with allow/deny and the reason", async () => {
    const agent = await egressAgent();
    const body = pkg(
      `export async function run(input) {
  const a = await fetch("https://api.upstream.example/echo/" + input.tag);
  const b = await fetch("https://other.upstream.example/echo/" + input.tag);
  return { a: a.status, aBody: await a.json(), b: b.status };
}`,
      { manifest: { mocks: [{ method: "GET", url: "https://api.upstream.example/echo/", status: 200, body: { mocked: true } }] } },
    );
    const published = await call(`/v1/tenants/${agent.tenantId}/skills`, { body, cookie: agent.owner.cookie });
    expect(published.status).toBe(201);
    const tag = crypto.randomUUID();
    const res = await call(`/v1/tenants/${agent.tenantId}/skills/dry-run`, {
      body: { skill: "acme-tools", tool: "run", input: { tag } },
      cookie: agent.owner.cookie,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.run).toMatchObject({ tool: "run", ok: true, output: { a: 200, aBody: { mocked: true }, b: 403 }, error: null });
    expect(res.body.run.calls).toEqual([
      expect.objectContaining({
        method: "GET",
        url: `https://api.upstream.example/echo/${tag}`,
        decision: "allow",
        reason: "skill_rule",
        status: 200,
        answeredBy: "declared",
      }),
      expect.objectContaining({
        method: "GET",
        url: `https://other.upstream.example/echo/${tag}`,
        decision: "deny",
        reason: "no_matching_rule",
        status: null,
      }),
    ]);
    expect(await upstreamSaw(tag)).toEqual([]);
  });
});

describe("isolates and deployment", () => {
  it("one caller's invocations share the version's warm isolate; another agent gets its own", async () => {
    const a = await egressAgent();
    await publishAndInstall(a, pkg(`let calls = 0; export function run() { calls++; return { calls }; }`));
    const tokenA = await relayToken(a);
    const [first, second] = await Promise.all([invoke(tokenA, "acme-tools", "run", {}), invoke(tokenA, "acme-tools", "run", {})]);
    expect([first.body.output.calls, second.body.output.calls].sort()).toEqual([1, 2]);
    // Another agent of the same tenant, same version: its own isolate (the props say who calls).
    const created = await call(`/v1/tenants/${a.tenantId}/agents`, {
      body: { name: `other-${crypto.randomUUID().slice(0, 8)}`, template: "engineering", trustLevel: 2 },
      cookie: a.owner.cookie,
    });
    const other: EgressAgent = { ...a, agentId: created.body.agent.id, secret: created.body.secret };
    await call(`/v1/tenants/${a.tenantId}/agents/${other.agentId}/skills/acme-tools`, {
      method: "PUT",
      body: { mode: "live" },
      cookie: a.owner.cookie,
    });
    expect((await invoke(await relayToken(other), "acme-tools", "run", {})).body.output).toEqual({ calls: 1 });
  });

  it("without a Worker Loader binding, running code is refused with a clear error; publishing still works", async () => {
    const agent = await egressAgent();
    await publishAndInstall(agent, pkg(`export function run() { return {}; }`));
    const res = await call("/v1/agent/skills/acme-tools/tools/run", {
      body: { input: {} },
      headers: { authorization: `Bearer ${await relayToken(agent)}` },
      env: { LOADER: undefined } as Partial<Env>,
    });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("skill_runtime_unavailable");
    expect(res.body.error.message).toContain("Worker Loader");
  });

  it("the core web-fetch skill is code run this way: declared hosts answer (mock mode here), any other is refused", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    const installed = await call(`${base}/agents/${agent.agentId}/skills/web-fetch`, {
      method: "PUT",
      body: { version: "1.1.0", mode: "mock" },
      cookie: agent.owner.cookie,
    });
    expect(installed.status, JSON.stringify(installed.body)).toBe(200);
    const token = await relayToken(agent);
    const tools = await call("/v1/agent/skills/tools", { headers: { authorization: `Bearer ${token}` } });
    expect(tools.body.data.map((t: any) => `${t.skill}.${t.name}`)).toEqual(["web-fetch.fetch_json", "web-fetch.fetch_text"]);
    const doc = await invoke(token, "web-fetch", "fetch_json", {
      url: "https://developer.mozilla.org/en-US/docs/Web/API/fetch/index.json",
    });
    expect(doc.status, JSON.stringify(doc.body)).toBe(200);
    expect(doc.body.output).toMatchObject({ ok: true, status: 200, data: { doc: { title: "Window: fetch() method" } } });
    const tag = crypto.randomUUID();
    const other = await invoke(token, "web-fetch", "fetch_json", { url: `https://api.upstream.example/echo/${tag}` });
    expect(other.body.output).toMatchObject({ ok: false, status: 403, refused: { code: "egress_denied", reason: "no_matching_rule" } });
    expect(await upstreamSaw(tag)).toEqual([]);
    const source = await call(`${base}/skills/web-fetch/versions/1.1.0/source`, { cookie: agent.owner.cookie });
    expect(source.status).toBe(200);
    expect(source.body.modules["index.js"]).toContain("export async function fetch_json");
  });
});

describe("MCP", () => {
  it("the installed skills' tools are among the agent's MCP tools, and run the same way", async () => {
    const f = await coordFixture([{ template: "engineering" }]);
    const agent = f.agents[0]!;
    const tools = [
      {
        name: "run",
        description: "Doubles n.",
        inputSchema: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
        outputSchema: { type: "object" },
      },
    ];
    const body = pkg(`export function run(input, ctx) { return { doubled: input.n * 2, greeting: ctx.settings.GREETING }; }`, { tools });
    expect((await call(`/v1/tenants/${f.tenantId}/skills`, { body, cookie: f.owner.cookie })).status).toBe(201);
    expect(
      (
        await call(`/v1/tenants/${f.tenantId}/agents/${agent.id}/skills/acme-tools`, {
          method: "PUT",
          body: { mode: "mock" },
          cookie: f.owner.cookie,
        })
      ).status,
    ).toBe(200);
    const client = new Client({ name: "skill-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
        fetch: (url, init) => exports.default.fetch(new Request(url, init)),
        requestInit: { headers: { authorization: `Bearer ${f.tokens.get(agent.id)}` } },
      }),
    );
    try {
      const listed = (await client.listTools()).tools.find((t) => t.name === "acme-tools__run");
      expect(listed?.inputSchema).toMatchObject({ type: "object", required: ["n"] });
      const result = (await client.callTool({ name: "acme-tools__run", arguments: { n: 21 } })) as {
        isError?: boolean;
        structuredContent?: any;
      };
      expect(result.isError ?? false).toBe(false);
      expect(result.structuredContent).toMatchObject({
        output: { doubled: 42, greeting: "hello" },
        invocation: { skill: "acme-tools", tool: "run" },
      });
      const bad = (await client.callTool({ name: "acme-tools__run", arguments: { n: "x" } })) as {
        isError?: boolean;
        structuredContent?: any;
      };
      expect(bad.isError).toBe(true);
      expect(bad.structuredContent.error.code).toBe("validation_failed");
    } finally {
      await client.close();
    }
    const [event] = await skillEvents(f.tenantId, agent.id);
    expect(event!.details).toMatchObject({ via: "mcp", tool: "run" });
  });
});
