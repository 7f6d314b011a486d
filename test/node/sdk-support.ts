/**
 * Support for the SDK tests: the API Worker alone under `wrangler dev` (what `npm start` runs,
 * minus the dashboard build, which these tests do not need), on a free port with its own empty
 * state directory, migrated and seeded exactly as `npm start` does; and a small owner-side HTTP
 * client that builds isolated tenants (team, agents, allowlist) for each test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureDevVars } from "../../scripts/lib/dev-vars.mjs";
import { closed, freePort, killGroup, ROOT } from "../support/local-stack";

const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };

export interface ApiStack {
  url: string;
  /** Its local data; also where the seed keeps the scripts' API key (`scripts.vars`). */
  stateDir: string;
  /** The seed's output (demo tenant id, agent secrets). */
  seedOutput: string;
  readonly output: string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = wranglerEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

export async function startApiStack({ timeoutMs = 90_000 } = {}): Promise<ApiStack> {
  // The local secrets wrangler dev reads, as `npm start` makes them (a fresh clone has none yet).
  ensureDevVars();
  const port = await freePort();
  const stateDir = mkdtempSync(path.join(tmpdir(), "switchboard-sdk-"));
  const url = `http://127.0.0.1:${port}`;
  await run(process.execPath, [WRANGLER, "d1", "migrations", "apply", "switchboard", "--local", "--persist-to", stateDir]);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--config",
      "wrangler.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      "0",
      "--persist-to",
      stateDir,
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      env: { ...wranglerEnv, CLOUDFLARE_DEV_REGISTRY_PATH: path.join(stateDir, "dev-registry") },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const stop = async () => {
    if (!(child.stdout!.closed && child.stderr!.closed)) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5_000);
      await closed(child);
      clearTimeout(timer);
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /health within ${timeoutMs / 1000} s:\n${output}`);
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // The seed keeps its API key beside this stack's data, not in the checkout's .dev.vars.
    const seedOutput = await run(process.execPath, ["scripts/seed.mjs", "--url", url], { ...process.env, SWITCHBOARD_STATE_DIR: stateDir });
    return {
      url,
      stateDir,
      seedOutput,
      get output() {
        return output;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The API as a signed-in person (session cookie, no Origin header: like curl or the seed script). */
export class OwnerApi {
  private cookie = "";
  constructor(readonly base: string) {}

  async call<T = any>(method: string, pathname: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(this.base + pathname, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const session = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    if (session) this.cookie = session.split(";")[0]!;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  login(email = "owner@acme.test", password = "switchboard-demo") {
    return this.call("POST", "/v1/auth/login", { email, password });
  }
}

export interface TestAgent {
  id: string;
  name: string;
  secret: string;
}

export interface World {
  tenantId: string;
  teamId: string;
  agents: Record<string, TestAgent>;
  allowlistVersion: number;
}

type Rule = { from: string; to: string };
type TopicRule = { agent: string; topic: string; action: "publish" | "subscribe" };

/**
 * A fresh tenant (the free plan allows 5 agents and 2 teams, so each test gets its own) with one
 * team of `names` agents at `trustLevel`, and an allowlist of agent→agent edges and topic rules.
 */
export async function createWorld(
  api: OwnerApi,
  label: string,
  names: string[],
  rules: { edges?: Rule[]; topics?: TopicRule[]; trustLevel?: number } = {},
): Promise<World> {
  const tenantId = (await api.call("POST", "/v1/tenants", { name: `SDK ${label}` })).tenant.id as string;
  const base = `/v1/tenants/${tenantId}`;
  const teamId = (await api.call("POST", `${base}/teams`, { name: `${label} team` })).team.id as string;
  const agents: Record<string, TestAgent> = {};
  for (const name of names) {
    const res = await api.call("POST", `${base}/agents`, {
      name,
      template: "custom",
      trustLevel: rules.trustLevel ?? 2,
      teamIds: [teamId],
    });
    agents[name] = { id: res.agent.id, name, secret: res.secret };
  }
  const subject = (name: string) => ({ kind: "agent", id: agents[name]!.id });
  const put = await api.call("PUT", `${base}/teams/${teamId}/allowlist`, {
    expectedVersion: 0,
    edges: (rules.edges ?? []).map((e) => ({ from: subject(e.from), to: subject(e.to) })),
    topics: (rules.topics ?? []).map((t) => ({ topic: t.topic, action: t.action, subject: subject(t.agent) })),
  });
  return { tenantId, teamId, agents, allowlistVersion: put.allowlist.version };
}

/** Polls `check` until it holds (or throws with `what` after `timeoutMs`). */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
