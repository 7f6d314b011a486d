/**
 * The OpenAPI document is valid OpenAPI 3.1 (checked against the official JSON schema; ajv cannot
 * run inside workerd, so this runs in Node against the same app), documents every operation's
 * access rule and error shape, passes Redocly's lint, and is typed enough for a generated client:
 * operationIds, servers, security per operation, tag descriptions.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";
import { OPERATION_IDS, operationKey } from "../../workers/api/src/http/openapi-operations";

const ROOT = path.resolve(import.meta.dirname, "../..");
const REDOCLY = path.join(ROOT, "node_modules/@redocly/cli/bin/cli.js");

async function document() {
  // No bindings needed: the document is built from the route table, not from storage.
  const res = await createApp().request("/openapi.json", {}, {});
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // the validator is not a rubber stamp: the same document without `info` is refused
    const { info: _info, ...broken } = doc;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("declares an access rule, a summary and the error schema on every operation", async () => {
    const doc = await document();
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, op } of operations) {
      expect(op["x-access"], `${method} ${path}`).toBeTruthy();
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.responses["400"]?.content?.["application/json"]?.schema?.$ref, `${method} ${path}`).toBe("#/components/schemas/Error");
    }
    expect(doc.components.schemas.ErrorCode.enum).toContain("plan_limit_exceeded");
  });
});

describe("OpenAPI document, typed for clients", () => {
  const operations = (doc: any) =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );

  it("gives every operation a unique camelCase operationId, chosen in openapi-operations.ts (none derived)", async () => {
    const doc = await document();
    const ops = operations(doc);
    const ids = ops.map(({ op }) => op.operationId);
    const unnamed = ops
      .filter(({ path, method }) => !OPERATION_IDS[operationKey(method, path)])
      .map(({ path, method }) => `"${operationKey(method, path)}": "…",`);
    expect(unnamed, "add these to workers/api/src/http/openapi-operations.ts").toEqual([]);
    for (const { path, method, op } of ops) expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every name in the table names a real operation (no stale entries).
    const served = new Set(ops.map(({ path, method }) => operationKey(method, path)));
    expect(Object.keys(OPERATION_IDS).filter((key) => !served.has(key))).toEqual([]);
    expect(doc.paths["/v1/tenants/{tenantId}/agents"].get.operationId).toBe("listAgents");
  });

  it("names its server (the deployment that served it), describes every tag, and says how each operation authenticates", async () => {
    const doc = await document();
    expect(doc.servers).toEqual([{ url: "http://localhost", description: "This deployment" }]);
    const served = await createApp().request("https://api.example.com/openapi.json", {}, {});
    expect(((await served.json()) as any).servers[0].url).toBe("https://api.example.com");

    const described = new Map((doc.tags as { name: string; description: string }[]).map((t) => [t.name, t.description]));
    for (const { path, method, op } of operations(doc)) {
      for (const tag of op.tags ?? []) expect(described.get(tag), `tag ${tag} of ${method} ${path}`).toBeTruthy();
    }
    expect(doc.components.securitySchemes.agentToken).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(doc.paths["/v1/agent/me"].get.security).toEqual([{ agentToken: [] }]);
    expect(doc.paths["/v1/teams/{teamId}/relay"].get.security).toEqual([{ agentToken: [] }]);
    expect(doc.paths["/v1/agent-tokens"].post.security).toEqual([]); // the secret is in the body
    expect(doc.paths["/v1/me/sessions"].get.security).toEqual([{ sessionCookie: [] }]); // people only: no API key
    expect(doc.paths["/v1/admin/health"].get.security).toEqual([{ sessionCookie: [] }]);
    expect(doc.paths["/v1/tenants/{tenantId}/agents"].get.security).toEqual([{ sessionCookie: [] }, { apiKey: [] }]);
  });

  it("passes Redocly's recommended lint with no errors (and the linter does catch errors)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "switchboard-openapi-"));
    try {
      const doc = await document();
      const lint = (name: string, content: unknown) => {
        const file = path.join(dir, name);
        writeFileSync(file, JSON.stringify(content));
        const run = spawnSync(process.execPath, [REDOCLY, "lint", file, "--format=json"], {
          encoding: "utf8",
          env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" },
          timeout: 60_000,
        });
        const json = run.stdout.slice(run.stdout.indexOf("{"));
        return JSON.parse(json) as {
          totals: { errors: number; warnings: number };
          problems: { ruleId: string; message: string; severity: string }[];
        };
      };
      const clean = lint("openapi.json", doc);
      expect(clean.problems.filter((p) => p.severity === "error")).toEqual([]);
      expect(clean.totals.errors).toBe(0);

      // Not a rubber stamp: the same document with two operations sharing an id is an error.
      const broken = structuredClone(doc);
      broken.paths["/v1/tenants/{tenantId}/teams"].get.operationId = "listAgents";
      expect(lint("broken.json", broken).totals.errors).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("generates a typed client with openapi-typescript whose calls compile — and whose wrong calls do not", async () => {
    const doc = await document();
    const types = astToString(await openapiTS(doc as any));
    const dir = path.join(ROOT, "test-results", "openapi-client");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "api.d.ts"), types);
    // openapi-fetch: the client generated types are made for. Path, params, body and answer are all checked.
    const good = `
      import createClient from "openapi-fetch";
      import type { operations, paths } from "./api";
      const client = createClient<paths>({ baseUrl: "http://localhost:8787", headers: { authorization: "Bearer sbk_x" } });
      export async function demo(tenantId: string) {
        const { data, error } = await client.GET("/v1/tenants/{tenantId}/agents", { params: { path: { tenantId }, query: { limit: 10 } } });
        if (error) return error.error.code satisfies string;
        const names: string[] = data.data.map((agent) => agent.name);
        const created = await client.POST("/v1/tenants/{tenantId}/agents", { params: { path: { tenantId } }, body: { name: "Helper", template: "custom" } });
        const secret: string | undefined = created.data?.secret;
        type ListAgentsOk = operations["listAgents"]["responses"][200]["content"]["application/json"];
        const page: ListAgentsOk = data;
        return { names, secret, page, requestId: created.error?.error.requestId };
      }`;
    const bad = `
      import createClient from "openapi-fetch";
      import type { paths } from "./api";
      const client = createClient<paths>({ baseUrl: "http://localhost:8787" });
      export const wrongBody = client.POST("/v1/tenants/{tenantId}/agents", { params: { path: { tenantId: "t" } }, body: { name: 42, template: "custom" } });
      export const missingParam = client.GET("/v1/tenants/{tenantId}/agents", {});
      export const noSuchPath = client.GET("/v1/nope", {});`;
    const compile = (name: string, source: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, source);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        skipLibCheck: true,
        types: [],
      });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    };
    expect(compile("good.ts", good)).toEqual([]);
    const errors = compile("bad.ts", bad);
    expect(errors, errors.join("\n")).toHaveLength(3); // one per wrong call: the body type, the missing path param, the unknown path
  }, 60_000);
});
