/**
 * The audit emit benchmark's Worker (run by bench/audit-emit.mjs in Miniflare/workerd): the real
 * AuditLedger Durable Object and the real emit point, plus the pre-ledger baseline (one D1 insert
 * per event, what `emitAudit` did before the ledger). `POST /run?mode=…&n=…` emits n events on a
 * fresh chain and answers when every one is acknowledged (and, for the ledger, mirrored to D1).
 */
import { emitAudit, emitAuditBatch, type AuditEvent, type StagedAuditEvent } from "../workers/shared/audit/emit";
import { newId } from "../workers/shared/crypto/ids";

export { AuditLedger } from "../durable-objects/audit-ledger";

interface BenchEnv {
  DB: D1Database;
  AUDIT_LEDGER: Env["AUDIT_LEDGER"];
}

function event(tenantId: string, i: number): AuditEvent {
  return {
    tenantId,
    actor: { type: "agent", id: "agt_01BENCH", name: null },
    action: "relay.message_accepted",
    target: { type: "agent", id: "agt_01PEER" },
    details: { teamId: "team_01BENCH", seq: i, kind: "direct", clientId: `c${i}`, bodySha256: "ab".repeat(32), bytes: 256 },
    severity: "info",
    outcome: "success",
    ip: "203.0.113.9",
    userAgent: "bench",
  };
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const mode = url.searchParams.get("mode");
    const n = Number(url.searchParams.get("n") ?? 1000);
    const batch = Number(url.searchParams.get("batch") ?? 100);
    const concurrency = Number(url.searchParams.get("concurrency") ?? 1);
    const tenantId = `ten_bench_${crypto.randomUUID()}`;
    const events = Array.from({ length: n }, (_, i) => event(tenantId, i));
    const fullEnv = env as unknown as Env;
    const started = Date.now();
    if (mode === "d1-direct") {
      await pool(events, concurrency, (e) =>
        env.DB.prepare("INSERT INTO audit_events (id, tenant_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, severity, outcome, details, ip, user_agent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
          .bind(newId("audit"), e.tenantId, Date.now(), e.actor.type, e.actor.id, e.actor.name, e.action, e.target!.type, e.target!.id, e.severity!, e.outcome!, JSON.stringify(e.details), e.ip, e.userAgent)
          .run(),
      );
    } else if (mode === "rpc-floor") {
      // One read-only RPC to the tenant's ledger per event: the round trip with no write at all.
      const ledger = env.AUDIT_LEDGER.get(env.AUDIT_LEDGER.idFromName(tenantId));
      await pool(events, concurrency, () => ledger.currentHead());
    } else if (mode === "single") {
      await pool(events, concurrency, (e) => emitAudit(fullEnv, e));
    } else if (mode === "batched") {
      const batches: StagedAuditEvent[][] = [];
      for (let i = 0; i < n; i += batch) batches.push(events.slice(i, i + batch).map((e) => ({ ...e, id: newId("audit"), at: Date.now() })));
      await pool(batches, concurrency, (b) => emitAuditBatch(fullEnv, b));
    } else {
      return new Response("unknown mode", { status: 400 });
    }
    const ms = Date.now() - started;
    const mirrored = mode === "d1-direct" || mode === "rpc-floor" ? n : ((await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE chain_id = ?").bind(tenantId).first<{ n: number }>())?.n ?? 0);
    return Response.json({ mode, n, batch: mode === "batched" ? batch : 1, concurrency, ms, mirrored });
  },
};
