/**
 * Relay test support: a tenant with a team of agents holding team tokens, and a WebSocket client
 * that connects through the real Worker (`exports.default.fetch` with `Upgrade: websocket`) and
 * lets a test wait for the frames it expects.
 */
import { env, exports } from "cloudflare:workers";
import { BASE, call, tenantWithRoles, type TestUser } from "./harness";

export type Frame = Record<string, any>;

export class RelayClient {
  readonly inbox: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private wake: (() => void) | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly response: Response,
  ) {
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      // Heartbeat answers ("pong") are not JSON frames.
      if (text !== "pong") this.inbox.push(JSON.parse(text));
      this.wake?.();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake?.();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (oldest first) matching `match`, removed from the inbox; waits up to `timeoutMs`. */
  async next(match: Partial<Frame> | ((f: Frame) => boolean), timeoutMs = 3000): Promise<Frame> {
    const test: (f: Frame) => boolean =
      typeof match === "function"
        ? (match as (f: Frame) => boolean)
        : (f: Frame) => Object.entries(match).every(([k, v]) => JSON.stringify(f[k]) === JSON.stringify(v));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex(test);
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no frame matching ${typeof match === "function" ? match.toString() : JSON.stringify(match)}; inbox: ${JSON.stringify(this.inbox)}; closed: ${JSON.stringify(this.closed)}`,
        );
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.min(left, 50));
      });
    }
  }

  /** Asserts no frame matching `match` arrives within `ms`. */
  async none(match: Partial<Frame>, ms = 150): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const hit = this.inbox.find((f) => Object.entries(match).every(([k, v]) => JSON.stringify(f[k]) === JSON.stringify(v)));
    if (hit) throw new Error(`unexpected frame ${JSON.stringify(hit)}`);
  }

  async hello(resumeFrom?: number): Promise<Frame> {
    this.send({ type: "hello", v: 1, ...(resumeFrom !== undefined ? { resumeFrom } : {}) });
    return this.next({ type: "welcome" });
  }

  async waitClosed(timeoutMs = 1000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (!this.closed) throw new Error("socket did not close");
    return this.closed;
  }

  close(): void {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

/** Opens a WebSocket through the Worker. Resolves to the client, or to the refusal response. */
export async function openSocket(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ client: RelayClient | null; response: Response }> {
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { headers: { upgrade: "websocket", ...headers } }));
  if (response.status !== 101 || !response.webSocket) return { client: null, response };
  response.webSocket.accept();
  return { client: new RelayClient(response.webSocket, response), response };
}

export async function connectAgent(teamId: string, token: string): Promise<RelayClient> {
  const { client, response } = await openSocket(`/v1/teams/${teamId}/relay`, { authorization: `Bearer ${token}` });
  if (!client) throw new Error(`connect failed: ${response.status} ${await response.text()}`);
  return client;
}

export interface RelayAgent {
  id: string;
  secret: string;
  template: string;
}

export interface RelayFixture {
  tenantId: string;
  owner: TestUser;
  viewer: TestUser;
  teamId: string;
  agents: RelayAgent[];
}

export async function relayFixture(specs: Array<{ template?: string; trustLevel?: number }>): Promise<RelayFixture> {
  const { tenantId, owner, viewer } = await tenantWithRoles("Relay tenant");
  await env.DB.prepare("update tenants set plan = 'team' where id = ?").bind(tenantId).run();
  const agents: RelayAgent[] = [];
  for (const [i, spec] of specs.entries()) {
    const res = await call(`/v1/tenants/${tenantId}/agents`, {
      body: { name: `Agent ${i}`, template: spec.template ?? "custom", trustLevel: spec.trustLevel ?? 2 },
      cookie: owner.cookie,
    });
    if (res.status !== 201) throw new Error(`create agent failed: ${res.status} ${JSON.stringify(res.body)}`);
    agents.push({ id: res.body.agent.id, secret: res.body.secret, template: spec.template ?? "custom" });
  }
  const team = await call(`/v1/tenants/${tenantId}/teams`, {
    body: { name: "Relay team", agentIds: agents.map((a) => a.id) },
    cookie: owner.cookie,
  });
  if (team.status !== 201) throw new Error(`create team failed: ${team.status} ${JSON.stringify(team.body)}`);
  return { tenantId, owner, viewer, teamId: team.body.team.id, agents };
}

let ip = 0;
export async function tokenFor(agent: RelayAgent, teamId?: string): Promise<string> {
  ip = (ip % 250) + 1;
  const res = await call("/v1/agent-tokens", {
    body: { agentId: agent.id, secret: agent.secret, ...(teamId ? { teamId } : {}) },
    headers: { "cf-connecting-ip": `198.51.100.${ip}` },
  });
  if (res.status !== 200) throw new Error(`token exchange failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

/** Connects and says hello. */
export async function join(f: RelayFixture, agent: RelayAgent, resumeFrom?: number): Promise<RelayClient> {
  const client = await connectAgent(f.teamId, await tokenFor(agent, f.teamId));
  await client.hello(resumeFrom);
  return client;
}

export async function setAllowlist(f: RelayFixture, rules: { edges?: unknown[]; topics?: unknown[] }): Promise<number> {
  const current = await call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`, { cookie: f.owner.cookie });
  if (current.status !== 200) throw new Error(`get allowlist failed: ${current.status} ${JSON.stringify(current.body)}`);
  const res = await call(`/v1/tenants/${f.tenantId}/teams/${f.teamId}/allowlist`, {
    method: "PUT",
    body: { expectedVersion: current.body.allowlist.version, edges: rules.edges ?? [], topics: rules.topics ?? [] },
    cookie: f.owner.cookie,
  });
  if (res.status !== 200) throw new Error(`put allowlist failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.allowlist.version;
}

export const agentEdge = (from: RelayAgent, to: RelayAgent) => ({ from: { kind: "agent", id: from.id }, to: { kind: "agent", id: to.id } });
export const relayStub = (teamId: string) => env.TEAM_RELAY.get(env.TEAM_RELAY.idFromName(teamId));
