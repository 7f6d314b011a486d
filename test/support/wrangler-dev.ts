/**
 * The API Worker alone under `wrangler dev --persist-to DIR` on a free port, in its own process
 * group, for node-side tests that need a real server they can crash (SIGKILL) and restart over the
 * same state, or point an external tool at. Local secrets come from `.dev.vars` (created from the
 * example exactly as `npm start` does, if missing).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closed, freePort, killGroup, ROOT } from "./local-stack";
import { ensureDevVars } from "../../scripts/lib/dev-vars.mjs";

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };

export class WranglerDev {
  readonly stateDir = mkdtempSync(path.join(tmpdir(), "switchboard-dev-"));
  port = 0;
  output = "";
  private child: ChildProcess | null = null;
  private cookie = "";

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Applies the D1 migrations to the state dir and starts serving; resolves once /health answers. */
  async start(): Promise<void> {
    ensureDevVars(ROOT);
    if (!this.port) {
      this.port = await freePort();
      await run(["d1", "migrations", "apply", "switchboard", "--local", "--persist-to", this.stateDir]);
    }
    const child = spawn(
      process.execPath,
      [
        WRANGLER,
        "dev",
        "--config",
        "wrangler.toml",
        "--ip",
        "127.0.0.1",
        "--port",
        String(this.port),
        "--inspector-port",
        "0",
        "--persist-to",
        this.stateDir,
        "--show-interactive-dev-session=false",
      ],
      {
        cwd: ROOT,
        env: { ...wranglerEnv, CLOUDFLARE_DEV_REGISTRY_PATH: path.join(this.stateDir, "dev-registry") },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    this.child = child;
    child.stdout!.on("data", (c) => (this.output += c));
    child.stderr!.on("data", (c) => (this.output += c));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /health:\n${this.output}`);
      if (
        await fetch(`${this.base}/health`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILL to wrangler and workerd together: a crash, no graceful shutdown. */
  async crash(): Promise<void> {
    if (!this.child) return;
    killGroup(this.child, "SIGKILL");
    await closed(this.child);
    this.child = null;
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** A JSON API call with the session cookie of the last sign-up/sign-in; throws on non-2xx. */
  async api<T = any>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { accept: "application/json", ...headers };
    if (body !== undefined) h["content-type"] = "application/json";
    if (this.cookie && !h.authorization) h.cookie = this.cookie;
    const res = await fetch(this.base + pathname, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const session = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    if (session) this.cookie = session.split(";")[0]!;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  /** A person, a tenant, a team of agents (pm, engineering, ops) with open edges, and team tokens for them. */
  async teamOfAgents(templates: string[] = ["pm", "engineering", "ops"]): Promise<{
    tenantId: string;
    teamId: string;
    agents: Array<{ id: string; secret: string; template: string }>;
    token(agent: { id: string; secret: string }): Promise<string>;
  }> {
    await this.api("POST", "/v1/auth/signup", {
      email: `node-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`,
      password: "node-test-password-1",
      name: "Node Tester",
    });
    const tenantId = (await this.api("POST", "/v1/tenants", { name: "Node tests" })).tenant.id as string;
    const t = `/v1/tenants/${tenantId}`;
    const teamId = (await this.api("POST", `${t}/teams`, { name: "Node team" })).team.id as string;
    const agents = [];
    for (const [i, template] of templates.entries()) {
      const res = await this.api("POST", `${t}/agents`, { name: `${template}-${i}`, template, trustLevel: 4, teamIds: [teamId] });
      agents.push({ id: res.agent.id as string, secret: res.secret as string, template });
    }
    for (const a of agents)
      for (const b of agents)
        if (a !== b)
          await this.api("POST", `${t}/teams/${teamId}/allowlist/edges`, {
            from: { kind: "agent", id: a.id },
            to: { kind: "agent", id: b.id },
          });
    const token = async (a: { id: string; secret: string }) =>
      (await this.api("POST", "/v1/agent-tokens", { agentId: a.id, secret: a.secret, teamId })).access_token as string;
    return { tenantId, teamId, agents, token };
  }
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}
