/**
 * One request id per API request: in the X-Request-Id header of every answer, in every error body,
 * on every log line written while the request runs, and in the details of the audit events it emits.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { log } from "../../../../shared/observability/log";
import { createApp } from "../../app";
import { call, createTenant, expectError, signup } from "../../../../../test/workers/harness";
import { auditRow } from "../../../../../test/workers/audit-view";

const REQUEST_ID = /^req_[0-9A-Z]{26}$/;

afterEach(() => vi.restoreAllMocks());

describe("request ids", () => {
  it("every answer has a fresh X-Request-Id, successes and errors alike", async () => {
    const a = await call("/health");
    const b = await call("/health");
    expect(a.status).toBe(200);
    expect(a.headers.get("x-request-id")).toMatch(REQUEST_ID);
    expect(b.headers.get("x-request-id")).toMatch(REQUEST_ID);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });

  it("every kind of error body carries the same id as the header", async () => {
    // expectError checks error.requestId === X-Request-Id; each of these errors comes from a different place.
    expectError(await call("/v1/nope"), 404, "not_found"); // the router's not-found handler
    expectError(await call("/v1/auth/signup", { method: "GET" }), 405, "method_not_allowed");
    expectError(await call("/v1/auth/signup", { rawBody: "{", contentType: "application/json" }), 400, "invalid_json"); // body middleware
    expectError(await call("/v1/auth/signup", { rawBody: "a=b", contentType: "text/plain" }), 415, "unsupported_media_type");
    expectError(await call("/v1/auth/signup", { body: { email: "x" } }), 400, "validation_failed"); // zod hook
    expectError(await call("/v1/me"), 401, "unauthenticated"); // access check
    expectError(await call("/v1/me", { apiKey: "sbk_nope" }), 401, "unauthenticated"); // authentication
    const owner = await signup("reqid");
    expectError(await call("/v1/tenants/ten_01JD0000000000000000000000", { cookie: owner.cookie }), 404, "not_found"); // a handler's ApiError
  });

  it("keeps a caller's own well-formed id, and replaces one that is not", async () => {
    const own = await call("/v1/nope", { headers: { "x-request-id": "trace-42_abc=" } });
    expect(own.headers.get("x-request-id")).toBe("trace-42_abc=");
    expect(own.body.error.requestId).toBe("trace-42_abc=");

    for (const bad of ["has space", "semi;colon", "x".repeat(129), "new\\nline"]) {
      const res = await call("/v1/nope", { headers: { "x-request-id": bad } });
      expect(res.headers.get("x-request-id"), bad).toMatch(REQUEST_ID);
      expect(res.body.error.requestId, bad).toBe(res.headers.get("x-request-id"));
    }
  });

  it("is in the details of the audit events the request emitted", async () => {
    const owner = await signup("reqid-audit");
    const res = await call("/v1/tenants", { body: { name: "Request id tenant" }, cookie: owner.cookie });
    expect(res.status).toBe(201);
    const row = await auditRow<{ details: string }>(
      "select details from audit_events where tenant_id = ? and action = 'tenant.created'",
      res.body.tenant.id,
    );
    expect(JSON.parse(row!.details).requestId).toBe(res.headers.get("x-request-id"));
  });

  it("is on every log line written while the request runs, however deep, and on the unhandled-error line", async () => {
    const lines: string[] = [];
    for (const method of ["log", "warn", "error", "debug"] as const)
      vi.spyOn(console, method).mockImplementation((line: unknown) => void lines.push(String(line)));
    const app = createApp();
    // A route that logs from an awaited helper and then fails unexpectedly.
    const deepHelper = async () => {
      await new Promise((r) => setTimeout(r, 1));
      log.info("deep inside", { step: 1 });
    };
    app.get("/__test/boom", async () => {
      await deepHelper();
      throw new Error("kaboom");
    });
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request("http://localhost/__test/boom"), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(REQUEST_ID);
    expect(body.error).toMatchObject({ code: "internal_error", requestId: id });

    const entries = lines.map((l) => JSON.parse(l));
    expect(entries.find((e) => e.msg === "deep inside")).toMatchObject({ level: "info", requestId: id, step: 1 });
    const unhandled = entries.find((e) => e.msg === "unhandled error");
    expect(unhandled).toMatchObject({ level: "error", requestId: id, path: "/__test/boom", error: { name: "Error", message: "kaboom" } });
    expect(unhandled.error.stack).toContain("kaboom");
    // The body tells the caller nothing about the failure beyond the id to quote.
    expect(JSON.stringify(body)).not.toContain("kaboom");
  });

  it("log lines outside a request have no request id, and bad fields never throw", () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    log.info("outside", { n: 1n, circular });
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: "info", msg: "outside" });
    expect(entry.requestId).toBeUndefined();
    expect(entry.unserialisableFields).toBeDefined();
  });
});

it("a created tenant's id is a real one (sanity for the audit test)", async () => {
  const owner = await signup("reqid-sanity");
  expect(await createTenant(owner)).toMatch(/^ten_/);
});
