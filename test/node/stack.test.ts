/**
 * Smoke test of the real local stack: runs `npm start` exactly as the README says (on its own ports,
 * with its own empty state directory and dashboard build, so it never touches a developer's running
 * stack), then drives the README's demo flow over HTTP. What it proves: a fresh database gets
 * migrated, the Worker serves, the dashboard is built and served with its SPA fallback, the
 * dashboard's `/v1` reaches the API same-origin (cookie and CSRF origin included), the seed creates
 * the documented demo data through the API, a second seed run duplicates nothing, and
 * Ctrl-C/SIGTERM leaves no process behind. It does not replace the workerd tests of each route, nor
 * the browser tests (test/browser/) of the dashboard itself.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closed, freePort, killGroup, ROOT, startLocalStack, type LocalStack } from "../support/local-stack";
import { createEgressFetch, egressOutcome } from "../../sdk/src/index";

// The values README.md documents; asserted here rather than imported so the docs are what is tested.
const DEMO = {
  email: "owner@acme.test",
  password: "switchboard-demo",
  name: "Ada Owner",
  tenant: "Acme",
  agents: ["PM", "Engineering", "Ops"],
  team: "Sprint team",
};

let stack: LocalStack;
let base: string;
let tenantId: string;
let cookie: string;

async function api(pathname: string, init: { method?: string; body?: unknown; cookie?: string; origin?: string; base?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.cookie) headers.cookie = init.cookie;
  // What a browser on that page sends with a change: the CSRF check compares it with the request's origin.
  if (init.origin) headers.origin = init.origin;
  const res = await fetch((init.base ?? base) + pathname, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
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
  stack = await startLocalStack();
  base = stack.apiUrl;
  tenantId = stack.tenantId;
}, 200_000);

afterAll(async () => {
  await stack?.stop();
});

describe("npm start", () => {
  it("prints the banner the README shows: dashboard and demo login first, then the API, tenant id, agent secrets once", () => {
    const { output } = stack;
    const url = `http://localhost:${stack.apiPort}`;
    const dashboard = `Dashboard    http://localhost:${stack.webPort}`;
    const login = `Demo login   ${DEMO.email} / ${DEMO.password}`;
    expect(output).toContain(dashboard);
    expect(output).toContain(login);
    const banner = output.slice(output.indexOf("Switchboard is running"));
    expect(banner.indexOf(dashboard)).toBeLessThan(banner.indexOf(login));
    expect(banner.indexOf(login)).toBeLessThan(banner.indexOf(`API          ${url}`));
    expect(output).toContain(`API docs     ${url}/docs`);
    expect(output).toContain(`OpenAPI      ${url}/openapi.json`);
    expect(tenantId).toMatch(/^ten_/);
    expect(output).toMatch(/shown ONCE/);
    for (const name of DEMO.agents) expect(output).toMatch(new RegExp(`^\\s+${name}\\s+\\S{20,}$`, "m"));
    expect(output).toContain(`-d '{"email":"${DEMO.email}","password":"${DEMO.password}"}' ${url}/v1/auth/login`);
  });

  it("serves the dashboard's index.html at / and, as the SPA fallback, at a deep link", async () => {
    for (const pathname of ["/", `/t/${tenantId}/agents`, "/login"]) {
      const page = await api(pathname, { base: stack.dashboardUrl });
      expect(page.res.status, pathname).toBe(200);
      expect(page.res.headers.get("content-type"), pathname).toContain("text/html");
      expect(page.text, pathname).toMatch(/<div id="root"><\/div>/);
      expect(page.text, pathname).toMatch(/<script type="module"[^>]+src="\/assets\//);
    }
    // The built assets themselves are served (not the fallback).
    const index = await api("/", { base: stack.dashboardUrl });
    const script = index.text.match(/src="(\/assets\/[^"]+\.js)"/)![1]!;
    const asset = await api(script, { base: stack.dashboardUrl });
    expect(asset.res.status).toBe(200);
    expect(asset.res.headers.get("content-type")).toContain("javascript");
  });

  it("builds the dashboard without source maps: none deployed, none referenced", () => {
    const dist = path.join(stack.stateDir, "web-dist");
    const files = readdirSync(dist, { recursive: true }).map(String);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    for (const f of files.filter((f) => /\.(js|css)$/.test(f)))
      expect(readFileSync(path.join(dist, f), "utf8"), f).not.toContain("sourceMappingURL");
  });

  it("answers /v1 on the dashboard's origin from the API: login sets the session cookie there, /v1/me works with it", async () => {
    const origin = stack.dashboardUrl;
    const anonymous = await api("/v1/me", { base: origin });
    expect(anonymous.res.status).toBe(401);
    expect(anonymous.json.error.code).toBe("unauthenticated");

    const login = await api("/v1/auth/login", {
      method: "POST",
      base: origin,
      origin,
      body: { email: DEMO.email, password: DEMO.password },
    });
    expect(login.res.status).toBe(200);
    const setCookie = login.res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    expect(setCookie).toBeDefined();
    // Forwarded with the dashboard's own URL: the API saw localhost, so the cookie is not Secure
    // (a Secure cookie would be dropped by browsers on http://localhost), and it is host-wide.
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i);
    const dashboardCookie = setCookie!.split(";")[0]!;

    const me = await api("/v1/me", { base: origin, cookie: dashboardCookie });
    expect(me.res.status).toBe(200);
    expect(me.json.user).toMatchObject({ email: DEMO.email, name: DEMO.name });

    // A change from the dashboard's origin passes the API's CSRF check (the origin is the
    // request's own, not an ALLOWED_ORIGINS entry); from any other origin it is refused.
    const renamed = await api(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      base: origin,
      origin,
      cookie: dashboardCookie,
      body: { name: DEMO.tenant },
    });
    expect(renamed.res.status).toBe(200);
    const forged = await api(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      base: origin,
      origin: "http://evil.example",
      cookie: dashboardCookie,
      body: { name: "Pwned" },
    });
    expect(forged.res.status).toBe(403);
    expect(forged.json.error.code).toBe("csrf_rejected");
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
    expect(Object.keys(spec.json.paths)).toEqual(
      expect.arrayContaining(["/v1/auth/login", "/v1/me", "/v1/tenants/{tenantId}/agents", "/v1/tenants/{tenantId}/teams"]),
    );
  });

  it("has the three demo agents and the team with all three", async () => {
    const agents = await api(`/v1/tenants/${tenantId}/agents`, { cookie });
    expect(agents.res.status).toBe(200);
    expect(agents.json.data.map((a: any) => a.name).sort()).toEqual([...DEMO.agents].sort());
    expect(Object.fromEntries(agents.json.data.map((a: any) => [a.name, a.template]))).toEqual({
      PM: "pm",
      Engineering: "engineering",
      Ops: "ops",
    });

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
    // The stack's own data directory: the seed finds the scripts' API key there (scripts.vars).
    const { stdout } = await promisify(execFile)(process.execPath, ["scripts/seed.mjs", "--url", base], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, SWITCHBOARD_STATE_DIR: stack.stateDir },
    });
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

  it("lets the demo's Engineering agent call the local stub through the SDK's egress fetch, and refuses a denied host", async () => {
    const secret = stack.output.match(/Engineering\s+(sba_\S+)/)![1]!;
    const agents = await api(`/v1/tenants/${tenantId}/agents`, { cookie });
    const agentId = agents.json.data.find((a: any) => a.name === "Engineering").id;
    const egressFetch = createEgressFetch({ url: base, egressUrl: stack.egressUrl, agentId, secret });
    const allowed = await egressFetch("https://stub.switchboard.test/hello?from=stack-test");
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("x-switchboard-egress")).toBe("allowed");
    expect(await allowed.json()).toMatchObject({ service: "switchboard demo stub", method: "GET", path: "/hello?from=stack-test" });
    const denied = await egressFetch("https://api.github.com/user");
    expect(await egressOutcome(denied)).toMatchObject({ by: "proxy", status: 403, code: "egress_denied", reason: "no_matching_rule" });
    const ssrf = await egressFetch("http://169.254.169.254/latest/meta-data/");
    expect(await egressOutcome(ssrf)).toMatchObject({ by: "proxy", status: 403, reason: "private_address" });
    // Another demo agent has no egress at all (default deny).
    const pm = agents.json.data.find((a: any) => a.name === "PM");
    const pmSecret = stack.output.match(/PM\s+(sba_\S+)/)![1]!;
    const pmFetch = createEgressFetch({ url: base, egressUrl: stack.egressUrl, agentId: pm.id, secret: pmSecret });
    expect(await egressOutcome(await pmFetch("https://stub.switchboard.test/hello"))).toMatchObject({
      by: "proxy",
      reason: "no_matching_rule",
    });
  });

  it("refuses to start a second stack on a port that is taken, and says which variable moves it", async () => {
    const startOn = async (apiPort: number, webPort: number) => {
      const other = mkdtempSync(path.join(tmpdir(), "switchboard-stack-"));
      try {
        return await promisify(execFile)(process.execPath, ["scripts/start.mjs"], {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            ...process.env,
            SWITCHBOARD_PORT: String(apiPort),
            SWITCHBOARD_WEB_PORT: String(webPort),
            SWITCHBOARD_STATE_DIR: other,
            SWITCHBOARD_WEB_DIST: path.join(other, "web-dist"),
          },
        }).then(
          () => ({ code: 0, stderr: "" }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        );
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    };

    const apiTaken = await startOn(stack.apiPort, await freePort());
    expect(apiTaken.code).toBe(1);
    expect(apiTaken.stderr).toContain(`Port ${stack.apiPort} on 127.0.0.1 is already in use`);
    expect(apiTaken.stderr).toContain(`SWITCHBOARD_PORT=${stack.apiPort + 1} npm start`);

    const webTaken = await startOn(await freePort(), stack.webPort);
    expect(webTaken.code).toBe(1);
    expect(webTaken.stderr).toContain(`Port ${stack.webPort} on 127.0.0.1 is already in use`);
    expect(webTaken.stderr).toContain(`SWITCHBOARD_WEB_PORT=${stack.webPort + 1} npm start`);
  });

  it("stops cleanly on SIGTERM and leaves nothing holding either port", async () => {
    const { child } = stack;
    killGroup(child, "SIGTERM");
    // wrangler and workerd run in their own process groups, which start.mjs must stop itself;
    // they share the output pipes, so "closed" means every one of them has exited.
    await closed(child);
    // npm re-raises the signal on itself, so it ends by SIGTERM rather than with code 0.
    expect(child.exitCode === 0 || child.signalCode === "SIGTERM").toBe(true);
    expect(stack.output).toContain("SIGTERM: stopping the stack");
    expect(stack.output).not.toContain("npm start failed");
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${stack.webPort}/`)).rejects.toThrow();
  });
});
