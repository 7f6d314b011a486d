/**
 * Skills: the core bundle in every catalog, the private registry (semver publish, deprecate, yank),
 * installs, and manifest enforcement at run time — network by the egress proxy, env by the vault —
 * plus mock mode from declared responses and the dry-run report.
 */
import { describe, expect, it } from "vitest";
import { addMember, call } from "../../../../../test/workers/harness";
import { auditRow } from "../../../../../test/workers/audit-view";
import { egressAgent, egressRequest, envelope, upstreamSaw } from "../../../../../test/workers/egress-harness";

const manifest = (over: Record<string, unknown> = {}) => ({
  name: "acme-deploy",
  version: "1.0.0",
  title: "Acme deploy",
  description: "Deploys through the Acme upstream.",
  network: [{ host: "api.upstream.example", methods: ["GET", "POST"], pathPrefix: "/echo" }],
  env: [{ name: "ACME_DEPLOY_TOKEN", required: true }],
  files: [{ path: "work/out", access: "write" }],
  mocks: [{ method: "GET", url: "https://api.upstream.example/echo/mocked", status: 202, body: { mocked: true } }],
  ...over,
});

describe("catalog and registry", () => {
  it("every new tenant has the core bundle; the manifest JSON Schema is public", async () => {
    const agent = await egressAgent({ mode: "mock" });
    const catalog = await call(`/v1/tenants/${agent.tenantId}/skills`, { cookie: agent.owner.cookie });
    expect(catalog.status).toBe(200);
    expect(catalog.body.data.map((s: any) => s.name)).toEqual(expect.arrayContaining(["github", "linear", "slack", "web-fetch"]));
    expect(catalog.body.data.find((s: any) => s.name === "github")).toMatchObject({ publisher: "switchboard", latestVersion: "1.1.0" });
    const schema = await call("/v1/skills/manifest.schema.json");
    expect(schema.status).toBe(200);
    expect(schema.body.properties).toHaveProperty("network");
    expect(schema.body.properties).toHaveProperty("env");
    expect(schema.body.properties).toHaveProperty("files");
  });

  it("publishes with semantic versions; versions are immutable; deprecate warns, yank refuses new installs", async () => {
    const agent = await egressAgent({ mode: "mock" });
    const base = `/v1/tenants/${agent.tenantId}`;
    const cookie = agent.owner.cookie;
    expect((await call(`${base}/skills`, { body: manifest(), cookie })).status).toBe(201);
    expect((await call(`${base}/skills`, { body: manifest(), cookie })).status).toBe(409);
    expect((await call(`${base}/skills`, { body: manifest({ name: "github" }), cookie })).status).toBe(409);
    const v11 = await call(`${base}/skills`, { body: manifest({ version: "1.1.0" }), cookie });
    expect(v11.body.skill.latestVersion).toBe("1.1.0");
    await call(`${base}/skills`, { body: manifest({ version: "2.0.0-beta.1" }), cookie });
    expect((await call(`${base}/skills/acme-deploy`, { cookie })).body.skill.latestVersion).toBe("1.1.0");

    const deprecated = await call(`${base}/skills/acme-deploy/versions/1.1.0/deprecate`, { body: { message: "use 1.2" }, cookie });
    expect(deprecated.status).toBe(200);
    const install = await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "PUT", body: { version: "1.1.0" }, cookie });
    expect(install.status).toBe(200);
    expect(install.body.warning).toContain("deprecated");
    const yanked = await call(`${base}/skills/acme-deploy/versions/1.0.0/yank`, { body: { message: "leaks" }, cookie });
    expect(yanked.status).toBe(200);
    expect((await call(`${base}/skills/acme-deploy/versions/1.0.0/yank`, { body: { message: "again" }, cookie })).status).toBe(409);
    expect(
      (await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "PUT", body: { version: "1.0.0" }, cookie })).status,
    ).toBe(409);
    expect((await call(`${base}/skills/github/versions/1.0.0/yank`, { body: { message: "no" }, cookie })).status).toBe(409);
  });

  it.each([
    [{ name: "Bad Name" }, "name"],
    [{ version: "1.0" }, "version"],
    [{ network: [{ host: "localhost" }] }, "network.0.host"],
    [{ network: [{ host: "*.com" }] }, "network.0.host"],
    [{ network: [{ host: "10.0.0.1" }] }, "network.0.host"],
    [{ env: [{ name: "lower_case" }] }, "env.0.name"],
    [{ files: [{ path: "../etc/passwd", access: "read" }] }, "files.0.path"],
    [{ unknown: true }, ""],
  ])("refuses an invalid manifest %j", async (over, path) => {
    const agent = await egressAgent({ mode: "mock" });
    const res = await call(`/v1/tenants/${agent.tenantId}/skills`, { body: manifest(over), cookie: agent.owner.cookie });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((i: any) => i.path)).toContain(path);
  });

  it("members publish but cannot install; viewers read", async () => {
    const agent = await egressAgent({ mode: "mock" });
    const member = await addMember(agent.tenantId, "member");
    const viewer = await addMember(agent.tenantId, "viewer");
    expect((await call(`/v1/tenants/${agent.tenantId}/skills`, { body: manifest(), cookie: member.cookie })).status).toBe(201);
    const install = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/skills/acme-deploy`, {
      method: "PUT",
      body: {},
      cookie: member.cookie,
    });
    expect(install.status).toBe(403);
    expect(install.body.error.details.permission).toBe("skills:install");
    expect((await call(`/v1/tenants/${agent.tenantId}/skills`, { cookie: viewer.cookie })).status).toBe(200);
    expect(
      (await call(`/v1/tenants/${agent.tenantId}/skills`, { body: manifest({ name: "viewer-skill" }), cookie: viewer.cookie })).status,
    ).toBe(403);
  });
});

describe("manifest enforcement", () => {
  it("network: an installed skill's permissions join the agent's policy, only as declared, until uninstalled", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    await call(`${base}/skills`, { body: manifest(), cookie: agent.owner.cookie });
    expect((await envelope(agent.token, { url: "https://api.upstream.example/echo/x" })).body.error.details.reason).toBe(
      "no_matching_rule",
    );
    await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "PUT", body: { mode: "live" }, cookie: agent.owner.cookie });
    const allowed = await envelope(agent.token, { url: "https://api.upstream.example/echo/x" });
    expect(allowed.status).toBe(200);
    // Outside the declared path prefix: refused.
    expect((await envelope(agent.token, { url: "https://api.upstream.example/other" })).body.error.details.reason).toBe(
      "method_not_allowed",
    );
    // In the skill's name, only the skill's network counts (not the agent's own rules).
    await call(`${base}/agents/${agent.agentId}/egress/rules`, { body: { host: "other.upstream.example" }, cookie: agent.owner.cookie });
    const asSkill = await egressRequest("/proxy/https/other.upstream.example/echo/x", {
      token: agent.token,
      headers: { "x-switchboard-skill": "acme-deploy" },
    });
    expect(asSkill.status).toBe(403);
    expect(
      (
        await egressRequest("/proxy/https/other.upstream.example/echo/x", {
          token: agent.token,
          headers: { "x-switchboard-skill": "slack" },
        })
      ).status,
    ).toBe(403);
    // Uninstalled: gone at once.
    expect(
      (await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "DELETE", cookie: agent.owner.cookie })).status,
    ).toBe(204);
    expect((await envelope(agent.token, { url: "https://api.upstream.example/echo/x" })).body.error.details.reason).toBe(
      "no_matching_rule",
    );
  });

  it("env: a skill can only be given secrets it declares; they are injected into its calls only", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    const cookie = agent.owner.cookie;
    await call(`${base}/skills`, { body: manifest(), cookie });
    const undeclared = await call(`${base}/secrets`, {
      body: {
        name: "OTHER_TOKEN",
        value: "undeclared-value-123",
        host: "api.upstream.example",
        injection: { type: "header", name: "authorization" },
        scope: { skills: ["acme-deploy"] },
      },
      cookie,
    });
    expect(undeclared.status).toBe(400);
    expect(undeclared.body.error.details.skills).toEqual(["acme-deploy"]);
    const value = `deploy-${crypto.randomUUID()}`;
    expect(
      (
        await call(`${base}/secrets`, {
          body: {
            name: "ACME_DEPLOY_TOKEN",
            value,
            host: "api.upstream.example",
            injection: { type: "header", name: "authorization" },
            scope: { skills: ["acme-deploy"] },
          },
          cookie,
        })
      ).status,
    ).toBe(201);
    // Not installed yet: nothing injected (and not allowed).
    await call(`${base}/agents/${agent.agentId}/egress/rules`, { body: { host: "api.upstream.example" }, cookie });
    const t1 = crypto.randomUUID();
    await envelope(agent.token, { url: `https://api.upstream.example/echo/${t1}` });
    expect((await upstreamSaw(t1))[0]!.headers.authorization).toBeUndefined();
    // Installed: injected for calls the skill's network allows.
    await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "PUT", body: { mode: "live" }, cookie });
    const t2 = crypto.randomUUID();
    await envelope(agent.token, { url: `https://api.upstream.example/echo/${t2}` });
    expect((await upstreamSaw(t2))[0]!.headers.authorization).toBe(`Bearer ${value}`);
    // Outside the skill's network (path /other is the agent's own rule only): not injected.
    const t3 = crypto.randomUUID();
    await envelope(agent.token, { url: `https://api.upstream.example/other/${t3}` });
    expect((await upstreamSaw(t3))[0]!.headers.authorization).toBeUndefined();
  });

  it("mock mode: the skill's declared responses answer and nothing leaves", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    await call(`${base}/skills`, { body: manifest(), cookie: agent.owner.cookie });
    await call(`${base}/agents/${agent.agentId}/skills/acme-deploy`, { method: "PUT", body: {}, cookie: agent.owner.cookie });
    const mocked = await egressRequest("/proxy/https/api.upstream.example/echo/mocked?x=1", {
      token: agent.token,
      headers: { "x-switchboard-skill": "acme-deploy" },
    });
    expect(mocked.status).toBe(202);
    expect(mocked.headers.get("x-switchboard-egress-mode")).toBe("mock");
    expect(await mocked.json()).toEqual({ mocked: true });
    const t = crypto.randomUUID();
    const missing = await egressRequest(`/proxy/https/api.upstream.example/echo/${t}`, {
      token: agent.token,
      headers: { "x-switchboard-skill": "acme-deploy" },
    });
    expect(missing.status).toBe(501);
    expect(await upstreamSaw(t)).toEqual([]);
    // The agent's own call (no skill header) that only the mock-mode skill's network allows stays mock too.
    const agentLevel = await egressRequest("/proxy/https/api.upstream.example/echo/mocked", { token: agent.token });
    expect(agentLevel.status).toBe(202);
    expect(agentLevel.headers.get("x-switchboard-egress-mode")).toBe("mock");
    const t2 = crypto.randomUUID();
    expect((await egressRequest(`/proxy/https/api.upstream.example/echo/${t2}`, { token: agent.token })).status).toBe(501);
    expect(await upstreamSaw(t2)).toEqual([]);
    expect(await upstreamSaw("/echo/mocked")).toEqual([]);
  });
});

describe("dry-run", () => {
  it("reports every declared call as allow/deny with the reason under the current policy, and missing secrets, without side effects", async () => {
    const agent = await egressAgent({ trustLevel: 1, mode: "mock" });
    const base = `/v1/tenants/${agent.tenantId}`;
    const cookie = agent.owner.cookie;
    await call(`${base}/egress/deny-rules`, { body: { host: "slack.com" }, cookie });
    const before = await auditRow<{ n: number }>("select count(*) as n from audit_events where tenant_id = ?", agent.tenantId);
    const report = await call(`${base}/skills/dry-run`, {
      body: {
        manifest: manifest({
          network: [
            { host: "api.upstream.example", methods: ["GET", "POST"], pathPrefix: "/echo" },
            { host: "slack.com", methods: ["POST"], pathPrefix: "/api" },
          ],
        }),
        agentId: agent.agentId,
      },
      cookie,
    });
    expect(report.status).toBe(200);
    expect(report.body.trustLevel).toBe(1);
    expect(report.body.calls.map((x: any) => [x.method, x.url, x.decision, x.reason, x.source])).toEqual([
      ["GET", "https://api.upstream.example/echo", "allow", "skill_rule", "declared"],
      ["POST", "https://api.upstream.example/echo", "deny", "method_not_allowed_by_trust", "declared"],
      ["POST", "https://slack.com/api", "deny", "denied_by_tenant_rule", "declared"],
      ["GET", "https://api.upstream.example/echo/mocked", "allow", "skill_rule", "mock"],
    ]);
    expect(report.body.summary).toEqual({ allowed: 2, denied: 2, missingSecrets: ["ACME_DEPLOY_TOKEN"] });
    const given = await call(`${base}/skills/dry-run`, {
      body: {
        skill: "github",
        calls: [
          { method: "GET", url: "https://api.github.com/repos/acme/app" },
          { method: "GET", url: "http://169.254.169.254/" },
          { method: "DELETE", url: "https://api.github.com/repos/acme/app" },
        ],
      },
      cookie,
    });
    expect(given.body.calls.map((x: any) => x.reason)).toEqual(["skill_rule", "private_address", "method_not_allowed"]);
    const after = await auditRow<{ n: number }>("select count(*) as n from audit_events where tenant_id = ?", agent.tenantId);
    expect(after!.n).toBe(before!.n);
    expect((await call(`${base}/skills/dry-run`, { body: {}, cookie })).status).toBe(400);
  });
});
