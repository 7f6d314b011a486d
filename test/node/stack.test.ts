/**
 * Smoke test of the real local stack: runs `npm start` exactly as the README says (on its own port
 * and with its own empty state directory, so it never touches a developer's running stack), then
 * drives the README's demo flow over HTTP. What it proves: a fresh database gets migrated, the
 * Worker serves, the seed creates the documented demo data through the API, a second seed run
 * duplicates nothing, and Ctrl-C/SIGTERM leaves no process behind. It does not replace the
 * workerd tests of each route.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
// The values README.md documents; asserted here rather than imported so the docs are what is tested.
const DEMO = { email: "owner@acme.test", password: "switchboard-demo", name: "Ada Owner", tenant: "Acme", agents: ["PM", "Engineering", "Ops"], team: "Sprint team" };
const READY = "Switchboard is running";
const BANNER_END = "Press Ctrl-C to stop.";

let stack: ChildProcess;
let output = "";
let port: number;
let base: string;
let stateDir: string;
let tenantId: string;
let cookie: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once the process has exited AND every process holding its stdout/stderr pipes has
 * closed them: wrangler and workerd inherit those pipes, so this waits for the whole stack.
 */
function closed(child: ChildProcess): Promise<void> {
  if (child.stdout!.closed && child.stderr!.closed && (child.exitCode !== null || child.signalCode !== null)) return Promise.resolve();
  return new Promise((resolve) => child.once("close", () => resolve()));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

async function api(pathname: string, init: { method?: string; body?: unknown; cookie?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.cookie) headers.cookie = init.cookie;
  const res = await fetch(base + pathname, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (the docs page)
  }
  return { res, text, json };
}

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stateDir = mkdtempSync(path.join(tmpdir(), "switchboard-stack-"));
  stack = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, SWITCHBOARD_PORT: String(port), SWITCHBOARD_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so afterAll can stop npm, node, wrangler and workerd together.
    detached: true,
  });
  stack.stdout!.on("data", (chunk) => (output += chunk));
  stack.stderr!.on("data", (chunk) => (output += chunk));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no banner within 90 s:\n${output}`)), 90_000);
    const check = () => {
      if (output.includes(READY) && output.includes(BANNER_END)) {
        clearTimeout(timer);
        resolve();
      }
    };
    stack.stdout!.on("data", check);
    stack.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before the banner:\n${output}`));
    });
  });
  tenantId = output.match(/Demo tenant\s+(\S+)/)![1]!;
}, 120_000);

afterAll(async () => {
  if (stack && !(stack.stdout!.closed && stack.stderr!.closed)) {
    killGroup(stack, "SIGTERM");
    const timer = setTimeout(() => killGroup(stack, "SIGKILL"), 10_000);
    await closed(stack);
    clearTimeout(timer);
  }
  rmSync(stateDir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("prints the banner the README shows: URLs, demo login, tenant id, agent secrets once", () => {
    const url = `http://localhost:${port}`;
    expect(output).toContain(`API          ${url}`);
    expect(output).toContain(`API docs     ${url}/docs`);
    expect(output).toContain(`OpenAPI      ${url}/openapi.json`);
    expect(output).toContain(`Demo login   ${DEMO.email} / ${DEMO.password}`);
    expect(tenantId).toMatch(/^ten_/);
    expect(output).toMatch(/shown ONCE/);
    for (const name of DEMO.agents) expect(output).toMatch(new RegExp(`^\\s+${name}\\s+\\S{20,}$`, "m"));
    expect(output).toContain(`-d '{"email":"${DEMO.email}","password":"${DEMO.password}"}' ${url}/v1/auth/login`);
  });

  it("serves health, the API reference page and an OpenAPI 3.1 document", async () => {
    const health = await api("/health");
    expect(health.res.status).toBe(200);
    expect(health.json).toMatchObject({ status: "ok", checks: { d1: "ok" } });

    const docs = await api("/docs");
    expect(docs.res.status).toBe(200);
    expect(docs.res.headers.get("content-type")).toContain("text/html");
    expect(docs.text).toMatch(/<html/i);

    const spec = await api("/openapi.json");
    expect(spec.res.status).toBe(200);
    expect(spec.json.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(spec.json.paths)).toEqual(expect.arrayContaining(["/v1/auth/login", "/v1/me", "/v1/tenants/{tenantId}/agents", "/v1/tenants/{tenantId}/teams"]));
  });

  it("logs in the demo owner, who owns Acme", async () => {
    const login = await api("/v1/auth/login", { method: "POST", body: { email: DEMO.email, password: DEMO.password } });
    expect(login.res.status).toBe(200);
    const session = login.res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    expect(session).toBeDefined();
    cookie = session!.split(";")[0]!;

    const me = await api("/v1/me", { cookie });
    expect(me.res.status).toBe(200);
    expect(me.json.user).toMatchObject({ email: DEMO.email, name: DEMO.name });
    expect(me.json.memberships).toEqual([{ tenantId, tenantName: DEMO.tenant, role: "owner" }]);
  });

  it("has the three demo agents and the team with all three", async () => {
    const agents = await api(`/v1/tenants/${tenantId}/agents`, { cookie });
    expect(agents.res.status).toBe(200);
    expect(agents.json.data.map((a: any) => a.name).sort()).toEqual([...DEMO.agents].sort());
    expect(Object.fromEntries(agents.json.data.map((a: any) => [a.name, a.template]))).toEqual({ PM: "pm", Engineering: "engineering", Ops: "ops" });

    const teams = await api(`/v1/tenants/${tenantId}/teams`, { cookie });
    expect(teams.res.status).toBe(200);
    expect(teams.json.data).toHaveLength(1);
    expect(teams.json.data[0].name).toBe(DEMO.team);
    expect([...teams.json.data[0].agentIds].sort()).toEqual(agents.json.data.map((a: any) => a.id).sort());
  });

  it("creates an agent whose secret is shown once and never again", async () => {
    const created = await api(`/v1/tenants/${tenantId}/agents`, { method: "POST", cookie, body: { name: "Support", template: "support" } });
    expect(created.res.status).toBe(201);
    expect(created.json.secret).toEqual(expect.any(String));
    expect(created.json.secret.length).toBeGreaterThan(20);

    const fetched = await api(`/v1/tenants/${tenantId}/agents/${created.json.agent.id}`, { cookie });
    expect(fetched.res.status).toBe(200);
    expect(fetched.text).not.toContain(created.json.secret);
    const list = await api(`/v1/tenants/${tenantId}/agents`, { cookie });
    expect(list.text).not.toContain(created.json.secret);
  });

  it("seeds again without duplicating anything", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/seed.mjs", "--url", base], { cwd: ROOT, encoding: "utf8" });
    expect(stdout).toContain("nothing to seed");
    expect(stdout).toContain(tenantId);
    expect(stdout).not.toMatch(/shown ONCE/);

    const me = await api("/v1/me", { cookie });
    expect(me.json.memberships).toHaveLength(1);
    const agents = await api(`/v1/tenants/${tenantId}/agents`, { cookie });
    expect(agents.json.data.map((a: any) => a.name).sort()).toEqual([...DEMO.agents, "Support"].sort());
    const teams = await api(`/v1/tenants/${tenantId}/teams`, { cookie });
    expect(teams.json.data).toHaveLength(1);
  });

  it("refuses to start a second stack on a port that is taken, and says what to do", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "switchboard-stack-"));
    try {
      const result = await promisify(execFile)(process.execPath, ["scripts/start.mjs"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, SWITCHBOARD_PORT: String(port), SWITCHBOARD_STATE_DIR: other },
      }).then(
        () => ({ code: 0, stderr: "" }),
        (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(result.stderr).toContain(`SWITCHBOARD_PORT=${port + 1} npm start`);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("stops cleanly on SIGTERM and leaves nothing holding the port", async () => {
    killGroup(stack, "SIGTERM");
    // wrangler and workerd run in their own process group, which start.mjs must stop itself;
    // they share the output pipes, so "closed" means every one of them has exited.
    await closed(stack);
    // npm re-raises the signal on itself, so it ends by SIGTERM rather than with code 0.
    expect(stack.exitCode === 0 || stack.signalCode === "SIGTERM").toBe(true);
    expect(output).toContain("SIGTERM: stopping the stack");
    expect(output).not.toContain("npm start failed");
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
