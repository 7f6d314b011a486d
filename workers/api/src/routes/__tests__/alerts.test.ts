/**
 * Alert rules and alerts over HTTP: CRUD with validation, roles and tenant isolation; the inbox
 * (filter, pagination, newest first); acknowledge/resolve (audited, conditional); the live feed.
 * Window semantics are tested beside the evaluator (durable-objects/audit-ledger/alerts/).
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ledgerFor } from "../../../../shared/audit/emit";
import { describe, expect, it } from "vitest";
import { call, expectError, signup } from "../../../../../test/workers/harness";
import { openSocket } from "../../../../../test/workers/relay-harness";
import { alertRows, alertsTenant, createRule, emit, eventually } from "../../../../../test/workers/alerts-harness";
import { auditResults, auditRow } from "../../../../../test/workers/audit-view";

const rulesPath = (tenantId: string) => `/v1/tenants/${tenantId}/alert-rules`;
const alertsPath = (tenantId: string) => `/v1/tenants/${tenantId}/alerts`;
const RULE = { name: "Suspensions", match: { action: "agent.suspended" }, threshold: 1, severity: "info" };

describe("alert rules", () => {
  it("creates with defaults, lists, gets, patches and deletes; every change is audited", async () => {
    const t = await alertsTenant();
    const created = await call(rulesPath(t.tenantId), { body: { name: "Denied", match: { action: "relay.*" } }, cookie: t.admin.cookie });
    expect(created.status).toBe(201);
    const rule = created.body.rule;
    expect(rule).toMatchObject({
      name: "Denied",
      description: "",
      threshold: 1,
      windowSeconds: 300,
      severity: "warning",
      enabled: true,
      webhookIds: [],
      tenantId: t.tenantId,
    });
    expect(rule.id).toMatch(/^alr_/);
    const list = await call(rulesPath(t.tenantId), { cookie: t.viewer.cookie });
    expect(list.body.data.map((r: any) => r.id)).toEqual([rule.id]);
    expect((await call(`${rulesPath(t.tenantId)}/${rule.id}`, { cookie: t.member.cookie })).body.rule.id).toBe(rule.id);
    const patched = await call(`${rulesPath(t.tenantId)}/${rule.id}`, {
      method: "PATCH",
      body: { threshold: 5, windowSeconds: 120 },
      cookie: t.owner.cookie,
    });
    expect(patched.status).toBe(200);
    // PATCH does not reset fields it did not name (no zod defaults in the patch schema).
    expect(patched.body.rule).toMatchObject({ threshold: 5, windowSeconds: 120, severity: "warning", enabled: true, name: "Denied" });
    expect((await call(`${rulesPath(t.tenantId)}/${rule.id}`, { method: "DELETE", cookie: t.owner.cookie })).status).toBe(204);
    expectError(await call(`${rulesPath(t.tenantId)}/${rule.id}`, { cookie: t.owner.cookie }), 404, "not_found");
    const audit = await auditResults<{ action: string; details: string }>(
      "SELECT action, details FROM audit_events WHERE tenant_id = ? AND action LIKE 'alert_rule.%' ORDER BY seq",
      t.tenantId,
    );
    expect(audit.results.map((r) => r.action)).toEqual(["alert_rule.created", "alert_rule.updated", "alert_rule.deleted"]);
    expect(JSON.parse(audit.results[1]!.details)).toEqual({
      changed: ["threshold", "windowSeconds"],
      from: { threshold: 1, windowSeconds: 300 },
      to: { threshold: 5, windowSeconds: 120 },
      requestId: expect.stringMatching(/^req_/),
    });
  });

  it("members and viewers cannot write rules (403); they can read them", async () => {
    const t = await alertsTenant();
    const rule = await createRule(t, RULE);
    for (const who of [t.member, t.viewer]) {
      const res = await call(rulesPath(t.tenantId), { body: RULE, cookie: who.cookie });
      expectError(res, 403, "forbidden");
      expect(res.body.error.details).toEqual({ permission: "alerts:write" });
      expectError(
        await call(`${rulesPath(t.tenantId)}/${rule.id}`, { method: "PATCH", body: { enabled: false }, cookie: who.cookie }),
        403,
        "forbidden",
      );
      expectError(await call(`${rulesPath(t.tenantId)}/${rule.id}`, { method: "DELETE", cookie: who.cookie }), 403, "forbidden");
      expect((await call(rulesPath(t.tenantId), { cookie: who.cookie })).status).toBe(200);
    }
  });

  it("another tenant's rules answer 404, through either tenant id; outsiders get 404", async () => {
    const a = await alertsTenant();
    const b = await alertsTenant();
    const rule = await createRule(b, RULE);
    expectError(await call(`${rulesPath(a.tenantId)}/${rule.id}`, { cookie: a.owner.cookie }), 404, "not_found");
    expectError(
      await call(`${rulesPath(a.tenantId)}/${rule.id}`, { method: "PATCH", body: { enabled: false }, cookie: a.owner.cookie }),
      404,
      "not_found",
    );
    expectError(await call(`${rulesPath(a.tenantId)}/${rule.id}`, { method: "DELETE", cookie: a.owner.cookie }), 404, "not_found");
    expectError(await call(rulesPath(b.tenantId), { cookie: a.owner.cookie }), 404, "not_found");
    const outsider = await signup("outsider");
    expectError(await call(rulesPath(a.tenantId), { body: RULE, cookie: outsider.cookie }), 404, "not_found");
    expectError(await call(rulesPath(a.tenantId)), 401, "unauthenticated");
  });

  it("refuses bad input with the error shape: action patterns, bounds, unknown fields, foreign webhooks, empty patch", async () => {
    const t = await alertsTenant();
    const other = await alertsTenant();
    const foreignHook = await call(`/v1/tenants/${other.tenantId}/webhooks`, {
      body: { url: "https://webhooks.test/x" },
      cookie: other.owner.cookie,
    });
    const bad: unknown[] = [
      { ...RULE, match: { action: "relay*" } },
      { ...RULE, match: { action: "*" } },
      { ...RULE, match: { action: "Relay.Denied" } },
      { ...RULE, threshold: 0 },
      { ...RULE, threshold: 1001 },
      { ...RULE, windowSeconds: 5 },
      { ...RULE, severity: "fatal" },
      { ...RULE, extra: 1 },
      { ...RULE, match: { action: "a.b", outcome: "maybe" } },
      { ...RULE, name: "   " },
    ];
    for (const body of bad) expectError(await call(rulesPath(t.tenantId), { body, cookie: t.owner.cookie }), 400, "validation_failed");
    const foreign = await call(rulesPath(t.tenantId), {
      body: { ...RULE, webhookIds: [foreignHook.body.webhook.id] },
      cookie: t.owner.cookie,
    });
    expectError(foreign, 400, "validation_failed");
    expect(foreign.body.error.details.unknownWebhookIds).toEqual([foreignHook.body.webhook.id]);
    expect(foreign.body.error.details.issues[0].path).toBe("webhookIds");
    const rule = await createRule(t, RULE);
    expectError(
      await call(`${rulesPath(t.tenantId)}/${rule.id}`, { method: "PATCH", body: {}, cookie: t.owner.cookie }),
      400,
      "validation_failed",
    );
  });

  it("a tenant has at most 50 rules (409 conflict)", async () => {
    const t = await alertsTenant();
    const now = Date.now();
    const insert = env.DB.prepare(
      "INSERT INTO alert_rules (id, tenant_id, name, description, match, threshold, window_seconds, severity, enabled, webhook_ids, created_at, updated_at) VALUES (?, ?, 'r', '', '{\"action\":\"a.b\"}', 1, 60, 'info', 1, '[]', ?, ?)",
    );
    await env.DB.batch(Array.from({ length: 50 }, (_, i) => insert.bind(`alr_limit_${i}_${crypto.randomUUID()}`, t.tenantId, now, now)));
    const res = await call(rulesPath(t.tenantId), { body: RULE, cookie: t.owner.cookie });
    expectError(res, 409, "conflict");
    expect(res.body.error.details).toEqual({ max: 50 });
  });

  it("offers templates that name actions the platform emits", async () => {
    const t = await alertsTenant();
    const res = await call("/v1/alert-rule-templates", { cookie: t.viewer.cookie });
    expect(res.status).toBe(200);
    const actions = res.body.data.map((tpl: any) => tpl.rule.match.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "relay.message_denied",
        "auth.login_failed",
        "agent.suspended",
        "egress.request_denied",
        "agent.token_refused",
      ]),
    );
    // Every template is a valid rule as is.
    for (const tpl of res.body.data)
      expect((await call(rulesPath(t.tenantId), { body: tpl.rule, cookie: t.owner.cookie })).status).toBe(201);
  });

  it("failed logins to a member's account reach the tenant's trail, so the failed-logins rule fires; other tenants see nothing", async () => {
    const t = await alertsTenant();
    const bystander = await alertsTenant();
    await createRule(t, {
      name: "Failed logins",
      match: { action: "auth.login_failed" },
      threshold: 3,
      windowSeconds: 600,
      severity: "warning",
    });
    await createRule(bystander, {
      name: "Failed logins",
      match: { action: "auth.login_failed" },
      threshold: 1,
      windowSeconds: 600,
      severity: "warning",
    });
    for (let i = 0; i < 3; i++)
      expectError(
        await call("/v1/auth/login", { body: { email: t.member.email, password: "wrong-password-123" } }),
        401,
        "invalid_credentials",
      );
    const alerts = await eventually(
      () => alertRows(t.tenantId),
      (rows) => rows.length > 0,
    );
    expect(alerts).toEqual([expect.objectContaining({ ruleName: "Failed logins", severity: "warning", status: "open" })]);
    const trail = await auditRow<{ n: number }>(
      "SELECT count(*) AS n FROM audit_events WHERE tenant_id = ? AND action = 'auth.login_failed' AND target_id = ?",
      t.tenantId,
      t.member.id,
    );
    expect(trail!.n).toBe(3);
    expect(await alertRows(bystander.tenantId)).toEqual([]);
  });
});

describe("the alerts inbox", () => {
  async function withAlerts(n: number) {
    const t = await alertsTenant();
    await createRule(t, RULE);
    for (let i = 0; i < n; i++) await emit(t.tenantId, "agent.suspended", Date.now(), { outcome: "success" });
    return t;
  }

  it("lists newest first with cursor pagination and a status filter", async () => {
    const t = await withAlerts(3);
    const ids = (await alertRows(t.tenantId)).map((r) => r.id).reverse();
    const page1 = await call(`${alertsPath(t.tenantId)}?limit=2`, { cookie: t.viewer.cookie });
    expect(page1.body.data.map((a: any) => a.id)).toEqual(ids.slice(0, 2));
    const page2 = await call(`${alertsPath(t.tenantId)}?limit=2&cursor=${page1.body.nextCursor}`, { cookie: t.viewer.cookie });
    expect(page2.body).toMatchObject({ data: [{ id: ids[2] }], nextCursor: null });
    await call(`${alertsPath(t.tenantId)}/${ids[1]}/resolve`, { method: "POST", cookie: t.admin.cookie });
    const open = await call(`${alertsPath(t.tenantId)}?status=open`, { cookie: t.viewer.cookie });
    expect(open.body.data.map((a: any) => a.id)).toEqual([ids[0], ids[2]]);
    const resolved = await call(`${alertsPath(t.tenantId)}?status=resolved`, { cookie: t.viewer.cookie });
    expect(resolved.body.data.map((a: any) => a.id)).toEqual([ids[1]]);
    expectError(await call(`${alertsPath(t.tenantId)}?status=closed`, { cookie: t.viewer.cookie }), 400, "validation_failed");
    expectError(await call(`${alertsPath(t.tenantId)}?cursor=garbage`, { cookie: t.viewer.cookie }), 400, "validation_failed");
  });

  it("acknowledge then resolve with a note: audited, conditional (409 twice), 403 for members and viewers, 404 across tenants", async () => {
    const t = await withAlerts(1);
    const [alert] = await alertRows(t.tenantId);
    const path = `${alertsPath(t.tenantId)}/${alert!.id}`;
    for (const who of [t.member, t.viewer])
      expectError(await call(`${path}/resolve`, { method: "POST", cookie: who.cookie }), 403, "forbidden");
    const ack = await call(`${path}/acknowledge`, { method: "POST", cookie: t.admin.cookie });
    expect(ack.body.alert).toMatchObject({ status: "acknowledged", acknowledgedBy: t.admin.id });
    expectError(await call(`${path}/acknowledge`, { method: "POST", cookie: t.admin.cookie }), 409, "conflict");
    const resolved = await call(`${path}/resolve`, { body: { note: "false positive" }, cookie: t.owner.cookie });
    expect(resolved.status).toBe(200);
    expect(resolved.body.alert).toMatchObject({ status: "resolved", resolvedBy: t.owner.id, resolutionNote: "false positive" });
    expect(resolved.body.alert.resolvedAt).toEqual(expect.any(String));
    const again = await call(`${path}/resolve`, { method: "POST", cookie: t.owner.cookie });
    expectError(again, 409, "conflict");
    expect(again.body.error.details).toEqual({ status: "resolved" });
    const audit = await auditResults<{ action: string; target_id: string; details: string }>(
      "SELECT action, target_id, details FROM audit_events WHERE tenant_id = ? AND action LIKE 'alert.%' ORDER BY seq",
      t.tenantId,
    );
    expect(audit.results.map((r) => [r.action, r.target_id])).toEqual([
      ["alert.acknowledged", alert!.id],
      ["alert.resolved", alert!.id],
    ]);
    expect(JSON.parse(audit.results[1]!.details)).toMatchObject({ note: "false positive", ruleId: alert!.ruleId });
    const other = await alertsTenant();
    expectError(
      await call(`${alertsPath(other.tenantId)}/${alert!.id}/resolve`, { method: "POST", cookie: other.owner.cookie }),
      404,
      "not_found",
    );
    expectError(await call(`${alertsPath(t.tenantId)}/${alert!.id}`, { cookie: other.owner.cookie }), 404, "not_found");
    expectError(await call(`${alertsPath(t.tenantId)}`, { cookie: other.owner.cookie }), 404, "not_found");
  });

  it("resolving ends the rule's quiet period: the next match opens a new alert instead of growing the resolved one", async () => {
    const t = await alertsTenant();
    await createRule(t, { name: "Burst", match: { action: "relay.message_denied" }, threshold: 2, windowSeconds: 3600 });
    const now = Date.now();
    await emit(t.tenantId, "relay.message_denied", now);
    await emit(t.tenantId, "relay.message_denied", now + 1);
    const [first] = await alertRows(t.tenantId);
    await call(`${alertsPath(t.tenantId)}/${first!.id}/resolve`, { method: "POST", cookie: t.owner.cookie });
    await emit(t.tenantId, "relay.message_denied", now + 2);
    const rows = await alertRows(t.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "resolved", count: 2 });
    await emit(t.tenantId, "relay.message_denied", now + 3);
    expect((await alertRows(t.tenantId)).map((r) => [r.status, r.count])).toEqual([
      ["resolved", 2],
      ["open", 2],
    ]);
  });
});

describe("the live feed", () => {
  const livePath = (tenantId: string) => `/v1/tenants/${tenantId}/alerts/live`;

  it("a viewer's socket receives new alerts and status changes as alert frames; it is read-only and answers ping", async () => {
    const t = await alertsTenant();
    await createRule(t, RULE);
    const { client, response } = await openSocket(livePath(t.tenantId), { cookie: t.viewer.cookie });
    expect(response.status).toBe(101);
    await emit(t.tenantId, "agent.suspended", Date.now(), { outcome: "success" });
    const frame = await client!.next({ type: "alert" });
    expect(frame.alert).toMatchObject({ tenantId: t.tenantId, ruleName: "Suspensions", status: "open", count: 1, severity: "info" });
    await call(`${alertsPath(t.tenantId)}/${frame.alert.id}/resolve`, { method: "POST", cookie: t.owner.cookie });
    expect((await client!.next({ type: "alert" })).alert).toMatchObject({ id: frame.alert.id, status: "resolved" });
    client!.send({ type: "resolve" });
    expect(await client!.next({ type: "error" })).toMatchObject({ code: "not_allowed" });
    // The heartbeat is answered by the runtime (auto-response), not by a frame handler.
    let pongs = 0;
    client!.ws.addEventListener("message", (e) => void (e.data === "pong" && pongs++));
    client!.ws.send("ping");
    expect(
      await eventually(
        async () => pongs,
        (n) => n > 0,
        2000,
      ),
    ).toBe(1);
    client!.close();
  });

  it("survives hibernation: after the ledger is evicted the socket still receives its tenant's alerts", async () => {
    const t = await alertsTenant();
    await createRule(t, RULE);
    const { client } = await openSocket(livePath(t.tenantId), { cookie: t.owner.cookie });
    await evictDurableObject(ledgerFor(env, t.tenantId), { webSockets: "hibernate" });
    await emit(t.tenantId, "agent.suspended", Date.now(), { outcome: "success" });
    expect((await client!.next({ type: "alert" })).alert).toMatchObject({ tenantId: t.tenantId, ruleName: "Suspensions" });
    expect(client!.closed).toBeNull();
    // Hibernate again: the heartbeat is still answered without the object.
    await evictDurableObject(ledgerFor(env, t.tenantId), { webSockets: "hibernate" });
    let pongs = 0;
    client!.ws.addEventListener("message", (e) => void (e.data === "pong" && pongs++));
    client!.ws.send("ping");
    expect(
      await eventually(
        async () => pongs,
        (n) => n > 0,
        2000,
      ),
    ).toBe(1);
    client!.close();
  });

  it("another tenant's alerts never reach the socket", async () => {
    const a = await alertsTenant();
    const b = await alertsTenant();
    await createRule(b, RULE);
    const { client } = await openSocket(livePath(a.tenantId), { cookie: a.owner.cookie });
    await emit(b.tenantId, "agent.suspended", Date.now(), { outcome: "success" });
    expect(await alertRows(b.tenantId)).toHaveLength(1);
    await client!.none({ type: "alert" }, 300);
    client!.close();
  });

  it("refuses outsiders (404), anonymous callers (401), foreign origins (403) and plain GETs (426)", async () => {
    const t = await alertsTenant();
    const outsider = await signup("outsider");
    const refused = async (headers: Record<string, string>, status: number, code: string) => {
      const { client, response } = await openSocket(livePath(t.tenantId), headers);
      expect(client).toBeNull();
      expectError({ status: response.status, body: await response.json(), headers: response.headers }, status, code);
    };
    await refused({ cookie: outsider.cookie }, 404, "not_found");
    await refused({}, 401, "unauthenticated");
    await refused({ cookie: t.viewer.cookie, origin: "https://evil.example" }, 403, "csrf_rejected");
    expectError(await call(livePath(t.tenantId), { cookie: t.viewer.cookie }), 426, "upgrade_required");
  });
});
