/**
 * The tenant's billing and budget routes against the Stripe fake: who may do what (everyone reads,
 * owners and admins buy and set budgets), another tenant's billing is a 404, Checkout takes the
 * tenant from the route only, the Customer Portal link, and hard budgets refusing the relay and
 * token issuance with 402 `budget_exceeded` (and letting them through again once raised).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordUsage, usageMeterFor } from "../../../../shared/billing/usage";
import { auditRows } from "../../../../../test/workers/audit-view";
import { call, createTenant, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import { openSocket, relayFixture, tokenFor } from "../../../../../test/workers/relay-harness";
import { fakeControl, subscribedTenant, tenantWithCustomer } from "../../../../../test/workers/stripe-test";

const budget = (tenantId: string, cookie: string, body: Record<string, unknown>) =>
  call(`/v1/tenants/${tenantId}/budgets`, { body, cookie });

describe("billing routes: roles", () => {
  it("every member reads the plan and usage; only owners and admins buy, open the portal, list invoices and set budgets", async () => {
    const t = await tenantWithRoles("Billing roles");
    for (const role of ["owner", "admin", "member", "viewer"] as const) {
      const res = await call(`/v1/tenants/${t.tenantId}/billing`, { cookie: t.byRole[role].cookie });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ plan: "free", configured: true, subscription: null });
      expect(res.body.usage.map((u: any) => u.kind)).toEqual([
        "relay_messages",
        "egress_calls",
        "runs",
        "active_agents",
        "skill_invocations",
      ]);
      expect((await call(`/v1/tenants/${t.tenantId}/budgets`, { cookie: t.byRole[role].cookie })).status).toBe(200);
    }
    for (const role of ["member", "viewer"] as const) {
      const cookie = t.byRole[role].cookie;
      expectError(await call(`/v1/tenants/${t.tenantId}/billing/checkout`, { body: { plan: "team" }, cookie }), 403, "forbidden");
      expectError(await call(`/v1/tenants/${t.tenantId}/billing/portal`, { method: "POST", cookie }), 403, "forbidden");
      expectError(await call(`/v1/tenants/${t.tenantId}/billing/invoices`, { cookie }), 403, "forbidden");
      expectError(await budget(t.tenantId, cookie, { metric: "relay_messages", hardLimit: 10 }), 403, "forbidden");
    }
    const portal = await call(`/v1/tenants/${t.tenantId}/billing/portal`, { method: "POST", cookie: t.admin.cookie });
    expect(portal.status).toBe(200);
    expect(new URL(portal.body.url).host).toBe("api.stripe.com"); // the fake's portal page
    expect((await budget(t.tenantId, t.admin.cookie, { metric: "relay_messages", hardLimit: 10 })).status).toBe(201);
  });
});

describe("billing routes: tenants", () => {
  it("another tenant's billing, budgets and Checkout are 404, whatever the caller's own role", async () => {
    const a = await tenantWithCustomer("iso-a");
    const b = await tenantWithCustomer("iso-b");
    const created = await budget(a.tenantId, a.owner.cookie, { metric: "egress_calls", softLimit: 5 });
    expect(created.status).toBe(201);
    const budgetId = created.body.budget.id;
    const cookie = b.owner.cookie;
    expectError(await call(`/v1/tenants/${a.tenantId}/billing`, { cookie }), 404, "not_found");
    expectError(await call(`/v1/tenants/${a.tenantId}/billing/usage`, { cookie }), 404, "not_found");
    expectError(await call(`/v1/tenants/${a.tenantId}/billing/checkout`, { body: { plan: "team" }, cookie }), 404, "not_found");
    expectError(await call(`/v1/tenants/${a.tenantId}/billing/portal`, { method: "POST", cookie }), 404, "not_found");
    expectError(await call(`/v1/tenants/${a.tenantId}/budgets`, { cookie }), 404, "not_found");
    // A's budget id under B's own tenant: not B's, so not found either.
    expectError(
      await call(`/v1/tenants/${b.tenantId}/budgets/${budgetId}`, { method: "PATCH", body: { softLimit: 1 }, cookie }),
      404,
      "not_found",
    );
    expectError(await call(`/v1/tenants/${b.tenantId}/budgets/${budgetId}`, { method: "DELETE", cookie }), 404, "not_found");
    // And an agent of A cannot be budgeted from B.
    const agent = await call(`/v1/tenants/${a.tenantId}/agents`, {
      body: { name: "A's agent", template: "custom" },
      cookie: a.owner.cookie,
    });
    expectError(
      await budget(b.tenantId, cookie, { agentId: agent.body.agent.id, metric: "relay_messages", hardLimit: 1 }),
      400,
      "validation_failed",
    );
  });

  it("Checkout binds the route's tenant server-side; a tenant in the body is refused, and a paying tenant changes plan instead", async () => {
    const owner = await signup("checkout");
    const tenantId = await createTenant(owner, "Checkout tenant");
    expectError(
      await call(`/v1/tenants/${tenantId}/billing/checkout`, {
        body: { plan: "team", tenantId: "ten_someone_else" },
        cookie: owner.cookie,
      }),
      400,
      "validation_failed",
    );
    expectError(
      await call(`/v1/tenants/${tenantId}/billing/checkout`, { body: { plan: "enterprise" }, cookie: owner.cookie }),
      400,
      "bad_request",
    );
    const res = await call(`/v1/tenants/${tenantId}/billing/checkout`, { body: { plan: "team" }, cookie: owner.cookie });
    expect(res.status).toBe(200);
    const session = await fakeControl(`sessions/${new URL(res.body.url).pathname.split("/").pop()}`);
    expect(session).toMatchObject({ mode: "subscription", client_reference_id: tenantId, metadata: { tenantId, plan: "team" } });
    expect(session.success_url).toContain(`/t/${tenantId}/billing`);

    const paying = await subscribedTenant("team", "already");
    expectError(
      await call(`/v1/tenants/${paying.tenantId}/billing/checkout`, { body: { plan: "business" }, cookie: paying.owner.cookie }),
      409,
      "conflict",
    );
    expectError(
      await call(`/v1/tenants/${paying.tenantId}/billing/plan`, { body: { plan: "team" }, cookie: paying.owner.cookie }),
      409,
      "conflict",
    );
    expectError(
      await call(`/v1/tenants/${paying.tenantId}/billing/plan`, { body: { plan: "free" }, cookie: paying.owner.cookie }),
      400,
      "bad_request",
    );
    const overview = await call(`/v1/tenants/${paying.tenantId}/billing`, { cookie: paying.owner.cookie });
    expect(overview.body.subscription).toMatchObject({ id: paying.subscriptionId, status: "active", plan: "team" });
  });

  it("without a Stripe key the reads still work and the Stripe routes answer 503 unavailable", async () => {
    const owner = await signup("nostripe");
    const tenantId = await createTenant(owner, "No Stripe");
    const off = { STRIPE_SECRET_KEY: "" };
    const overview = await call(`/v1/tenants/${tenantId}/billing`, { cookie: owner.cookie, env: off });
    expect(overview.status).toBe(200);
    expect(overview.body.configured).toBe(false);
    expectError(
      await call(`/v1/tenants/${tenantId}/billing/checkout`, { body: { plan: "team" }, cookie: owner.cookie, env: off }),
      503,
      "unavailable",
    );
  });
});

describe("hard budgets refuse usage", () => {
  it("an agent at its hard relay-message cap cannot open the relay (402); others can; raising the cap lets it in", async () => {
    const f = await relayFixture([{}, {}]);
    const [capped, free] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    const created = await budget(f.tenantId, f.owner.cookie, { agentId: capped.id, metric: "relay_messages", softLimit: 2, hardLimit: 3 });
    expect(created.status).toBe(201);
    expect(created.body.alertRuleId).toEqual(expect.any(String));
    // What the relay reports (the seam in docs/billing.md): messages 1..3 of its stream, one re-sent.
    const records = [1, 2, 2, 3].map((seq) => ({
      tenantId: f.tenantId,
      agentId: capped.id,
      kind: "relay_messages" as const,
      source: `relay:${f.teamId}:${capped.id}`,
      seq,
    }));
    expect((await recordUsage(env, records)).applied).toBe(3);
    const refused = await openSocket(`/v1/teams/${f.teamId}/relay`, { authorization: `Bearer ${await tokenFor(capped, f.teamId)}` });
    expect(refused.response.status).toBe(402);
    const body = (await refused.response.json()) as any;
    expect(body.error).toMatchObject({ code: "budget_exceeded", details: { kind: "relay_messages", agentId: capped.id } });
    const ok = await openSocket(`/v1/teams/${f.teamId}/relay`, { authorization: `Bearer ${await tokenFor(free, f.teamId)}` });
    expect(ok.response.status).toBe(101);
    ok.client!.close();
    expect(
      (
        await call(`/v1/tenants/${f.tenantId}/budgets/${created.body.budget.id}`, {
          method: "PATCH",
          body: { hardLimit: 10 },
          cookie: f.owner.cookie,
        })
      ).status,
    ).toBe(200);
    const again = await openSocket(`/v1/teams/${f.teamId}/relay`, { authorization: `Bearer ${await tokenFor(capped, f.teamId)}` });
    expect(again.response.status).toBe(101);
    again.client!.close();
    // The soft and hard caps reached became audit events (which the "Budget caps reached" rule alerts on) at the flush.
    await usageMeterFor(env, f.tenantId).flush();
    const actions = (await auditRows<{ action: string }>("select action from audit_events where tenant_id = ?", f.tenantId)).map(
      (r) => r.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(["budget.created", "budget.soft_cap_reached", "budget.hard_cap_reached", "budget.updated"]),
    );
  });

  it("a tenant's hard cap on active agents refuses the next agent's token (402), not the ones already active", async () => {
    const f = await relayFixture([{}, {}]);
    expect((await budget(f.tenantId, f.owner.cookie, { metric: "active_agents", hardLimit: 1 })).status).toBe(201);
    await tokenFor(f.agents[0]!);
    await tokenFor(f.agents[0]!); // already active this month: not counted twice
    const res = await call("/v1/agent-tokens", {
      body: { agentId: f.agents[1]!.id, secret: f.agents[1]!.secret },
      headers: { "cf-connecting-ip": "198.51.100.77" },
    });
    expectError(res, 402, "budget_exceeded");
    const overview = await call(`/v1/tenants/${f.tenantId}/billing`, { cookie: f.owner.cookie });
    expect(overview.body.usage.find((u: any) => u.kind === "active_agents")).toMatchObject({ used: 1 });
    expect(overview.body.alerts.map((a: any) => a.code)).toContain("budget_hard_exceeded");
  });

  it("refuses budgets that make no sense", async () => {
    const t = await tenantWithCustomer("bad-budgets");
    expectError(await budget(t.tenantId, t.owner.cookie, { metric: "relay_messages" }), 400, "validation_failed");
    expectError(
      await budget(t.tenantId, t.owner.cookie, { metric: "relay_messages", softLimit: 10, hardLimit: 5 }),
      400,
      "validation_failed",
    );
    expectError(await budget(t.tenantId, t.owner.cookie, { metric: "tokens", hardLimit: 5 }), 400, "validation_failed");
    expect((await budget(t.tenantId, t.owner.cookie, { metric: "spend", hardLimit: 500 })).status).toBe(201);
    expectError(await budget(t.tenantId, t.owner.cookie, { metric: "spend", hardLimit: 900 }), 409, "conflict");
  });
});
