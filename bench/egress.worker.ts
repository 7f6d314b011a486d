/**
 * The egress benchmark's Worker (run by bench/egress.mjs in Miniflare/workerd): the real egress
 * Worker handler, the real EgressGate and AuditLedger objects, and two bench-only routes:
 *
 *   POST /__bench/setup?agents=N&secret=0|1   a tenant, N live trust-4 agents allowed to GET the stub, egress tokens
 *   GET  /__bench/direct/<path>                the baseline: the same Worker fetching the stub directly
 *
 * Everything else is the egress Worker (`/proxy/https/stub.bench.example/<path>`), whose allowed
 * calls reach the same stub through EGRESS_DEV_UPSTREAMS (development only).
 */
import egress from "../workers/egress/src/index";
import type { EgressEnv } from "../workers/egress/src/env";
import { issueAgentToken } from "../workers/shared/agent-identity/agent-token";
import { EGRESS_AUDIENCE } from "../workers/shared/agent-identity/claims";
import { newId } from "../workers/shared/crypto/ids";
import { DEFAULT_TENANT_CONFIG } from "../workers/shared/schemas/tenant";
import { tenantDataKey } from "../workers/shared/vault/data-keys";
import { seal, secretAad } from "../workers/shared/vault/envelope";

export { EgressGate } from "../durable-objects/egress-gate";
export { AuditLedger } from "../durable-objects/audit-ledger";

type BenchEnv = EgressEnv & { DATA_ENCRYPTION_KEY: string; VAULT_KEKS: string; STUB_ORIGIN: string };

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/direct/")) {
      const res = await fetch(`${env.STUB_ORIGIN}/${url.pathname.slice("/__bench/direct/".length)}${url.search}`, { redirect: "manual" });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    }
    if (url.pathname === "/__bench/setup")
      return setup(env, Number(url.searchParams.get("agents") ?? 10), url.searchParams.get("secret") === "1");
    return egress.fetch(request, env, ctx);
  },
};

async function setup(env: BenchEnv, n: number, withSecret: boolean): Promise<Response> {
  const tenantId = newId("tenant");
  const stmts = [
    env.DB.prepare("INSERT INTO tenants (id, name, plan, config) VALUES (?, 'bench', 'free', ?)").bind(
      tenantId,
      JSON.stringify(DEFAULT_TENANT_CONFIG),
    ),
  ];
  const agentIds = Array.from({ length: n }, () => newId("agent"));
  for (const id of agentIds) {
    stmts.push(
      env.DB.prepare(
        "INSERT INTO agents (id, tenant_id, name, template, tool_categories, trust_level, secret_hash, secret_prefix) VALUES (?, ?, ?, 'engineering', '[]', 4, 'x', 'x')",
      ).bind(id, tenantId, id),
      env.DB.prepare(
        "INSERT INTO egress_rules (id, tenant_id, agent_id, effect, host, methods, schemes) VALUES (?, ?, ?, 'allow', 'stub.bench.example', '[\"GET\"]', '[\"https\"]')",
      ).bind(newId("egressRule"), tenantId, id),
      env.DB.prepare("INSERT INTO agent_egress (agent_id, tenant_id, mode) VALUES (?, ?, 'live')").bind(id, tenantId),
    );
  }
  await env.DB.batch(stmts);
  if (withSecret) {
    const dek = (await tenantDataKey(env, tenantId, { create: true }))!;
    const secretId = newId("secret");
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO secrets (id, tenant_id, name, host, injection, scope, current_version) VALUES (?, ?, 'BENCH_TOKEN', 'stub.bench.example', ?, ?, 1)",
      ).bind(
        secretId,
        tenantId,
        JSON.stringify({ type: "header", name: "authorization", format: "Bearer {value}" }),
        JSON.stringify({ agents: agentIds }),
      ),
      env.DB.prepare("INSERT INTO secret_versions (secret_id, version, vault_key_id, ciphertext) VALUES (?, 1, ?, ?)").bind(
        secretId,
        dek.vaultKeyId,
        await seal(dek.key, new TextEncoder().encode("bench-secret-value-0123456789"), secretAad(tenantId, secretId, 1)),
      ),
    ]);
  }
  const tokens = await Promise.all(
    agentIds.map(
      async (agentId) =>
        (await issueAgentToken(env as unknown as Env, { agentId, tenantId, role: "engineering", trust: 4 }, { audience: EGRESS_AUDIENCE }))
          .token,
    ),
  );
  return Response.json({ tenantId, agentIds, tokens });
}
