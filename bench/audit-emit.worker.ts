/**
 * The audit benchmark's Worker (run by bench/audit-emit.mjs in Miniflare/workerd): the real
 * AuditLedger Durable Object, the real emit point and the real audit API services (list, verify,
 * export), plus the pre-ledger baseline (one D1 insert per event). Endpoints, all on a chain named
 * by `tenant`:
 *   POST /run?mode=single|batched|d1-direct&n&batch&concurrency   emit n events, answer when acked
 *   POST /fill?n&batch&singleEvery                                 relay-like traffic: batches of `batch`, plus an API event every `singleEvery`
 *   GET  /list?<audit list query>                                  the API's list (first page), timed inside the Worker
 *   POST /verify?fromSeq&toSeq                                     the API's verify over a range
 *   GET  /export?fromSeq&toSeq                                     the API's JSONL export, consumed
 *   GET  /stats                                                    the ledger's row meters and storage
 */
import { emitAudit, emitAuditBatch, ledgerFor, type AuditEvent, type StagedAuditEvent } from "../workers/shared/audit/emit";
import { newId } from "../workers/shared/crypto/ids";
import { AuditListQuerySchema } from "../workers/shared/schemas/audit";
import { exportStream, resolveExportRange } from "../workers/api/src/services/audit-export";
import { listEntries } from "../workers/api/src/services/audit-query";
import { verifyRange } from "../workers/api/src/services/audit-verify";

export { AuditLedger } from "../durable-objects/audit-ledger";

interface BenchEnv {
  DB: D1Database;
  AUDIT_LEDGER: Env["AUDIT_LEDGER"];
}

const AGENTS = Array.from({ length: 16 }, (_, i) => `agt_01BENCH${String(i).padStart(2, "0")}`);

/** A relay event like the TeamRelay's `acceptedEvent` (metadata and a body hash, never the body). */
function relayEvent(tenantId: string, i: number, at: number): StagedAuditEvent {
  const sender = AGENTS[i % AGENTS.length]!;
  const recipient = AGENTS[(i * 7 + 3) % AGENTS.length]!;
  const denied = i % 50 === 17;
  return {
    id: newId("audit", at),
    at,
    tenantId,
    actor: { type: "agent", id: sender, name: null },
    action: denied ? "relay.message_denied" : "relay.message_accepted",
    target: { type: "agent", id: recipient },
    details: denied
      ? { teamId: "team_01BENCH", kind: "direct", to: recipient, reason: "not_allowed" }
      : {
          teamId: "team_01BENCH",
          seq: i,
          kind: "direct",
          clientId: `c${i}`,
          to: [recipient],
          recipient,
          bodySha256: (i * 2654435761).toString(16).padStart(8, "0").repeat(8),
          bytes: 256,
        },
    severity: denied ? "warning" : "info",
    outcome: denied ? "denied" : "success",
    ip: null,
    userAgent: null,
  };
}

/** An API mutation's event (one request, one block). */
function apiEvent(tenantId: string, i: number): AuditEvent {
  return {
    tenantId,
    actor: { type: "user", id: "usr_01BENCHADMIN", name: "admin@bench.test" },
    action: i % 2 ? "agent.updated" : "team.allowlist_updated",
    target: { type: "agent", id: AGENTS[i % AGENTS.length]! },
    details: { name: `agent ${i}`, changes: ["trustLevel"] },
    severity: "info",
    outcome: "success",
    ip: "203.0.113.9",
    userAgent: "bench",
  };
}

async function pool<T>(items: T[], concurrency: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await run(items[next++]!);
    }),
  );
}

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const q = url.searchParams;
    const tenantId = q.get("tenant") ?? `ten_bench_${crypto.randomUUID()}`;
    const fullEnv = env as unknown as Env;
    const num = (k: string, d: number) => Number(q.get(k) ?? d);
    const started = Date.now();

    if (url.pathname === "/run") {
      const mode = q.get("mode");
      const n = num("n", 1000);
      const batch = num("batch", 100);
      const concurrency = num("concurrency", 1);
      const before = mode === "d1-direct" ? null : await ledgerFor(fullEnv, tenantId).stats();
      if (mode === "d1-direct") {
        await pool(
          Array.from({ length: n }, (_, i) => apiEvent(tenantId, i)),
          concurrency,
          (e) =>
            env.DB.prepare(
              "INSERT INTO audit_events (id, tenant_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, severity, outcome, details, ip, user_agent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            )
              .bind(
                newId("audit"),
                e.tenantId,
                Date.now(),
                e.actor.type,
                e.actor.id,
                e.actor.name,
                e.action,
                e.target!.type,
                e.target!.id,
                e.severity!,
                e.outcome!,
                JSON.stringify(e.details),
                e.ip,
                e.userAgent,
              )
              .run(),
        );
      } else if (mode === "single") {
        await pool(
          Array.from({ length: n }, (_, i) => apiEvent(tenantId, i)),
          concurrency,
          (e) => emitAudit(fullEnv, e),
        );
      } else if (mode === "batched") {
        const batches: StagedAuditEvent[][] = [];
        for (let i = 0; i < n; i += batch)
          batches.push(Array.from({ length: Math.min(batch, n - i) }, (_, j) => relayEvent(tenantId, i + j, Date.now())));
        await pool(batches, concurrency, (b) => emitAuditBatch(fullEnv, b));
      } else {
        return new Response("unknown mode", { status: 400 });
      }
      const ms = Date.now() - started;
      const after = mode === "d1-direct" ? null : await ledgerFor(fullEnv, tenantId).stats();
      return Response.json({
        mode,
        n,
        batch: mode === "batched" ? batch : 1,
        concurrency,
        ms,
        tenantId,
        meters: before && after ? diff(before, after) : null,
      });
    }

    if (url.pathname === "/fill") {
      const n = num("n", 100_000);
      const batch = num("batch", 100);
      const singleEvery = num("singleEvery", 1000);
      const from = num("from", 0);
      const startAt = num("startAt", Date.now() - 3_600_000);
      const spacing = num("spacingMs", 1);
      const before = await ledgerFor(fullEnv, tenantId).stats();
      for (let i = from; i < from + n; ) {
        if (singleEvery > 0 && i % singleEvery === 0) await emitAudit(fullEnv, { ...apiEvent(tenantId, i), at: startAt + i * spacing });
        const size = Math.min(batch, from + n - i);
        await emitAuditBatch(
          fullEnv,
          Array.from({ length: size }, (_, j) => relayEvent(tenantId, i + j, startAt + (i + j) * spacing)),
        );
        i += size;
      }
      const after = await ledgerFor(fullEnv, tenantId).stats();
      const storage = await ledgerFor(fullEnv, tenantId).storageFigures();
      return Response.json({
        n,
        ms: Date.now() - started,
        meters: diff(before, after),
        storage,
        head: await ledgerFor(fullEnv, tenantId).currentHead(),
      });
    }

    if (url.pathname === "/list") {
      const params = Object.fromEntries([...q].filter(([k]) => k !== "tenant"));
      const query = AuditListQuerySchema.parse(params);
      const t0 = Date.now();
      const entries = await listEntries(fullEnv, tenantId, query, undefined);
      return Response.json({ count: entries.length, firstSeq: entries[0]?.seq ?? null, ms: Date.now() - t0 });
    }

    if (url.pathname === "/verify") {
      const t0 = Date.now();
      const result = await verifyRange(fullEnv, tenantId, {
        fromSeq: q.has("fromSeq") ? num("fromSeq", 1) : undefined,
        toSeq: q.has("toSeq") ? num("toSeq", 1) : undefined,
      });
      return Response.json({ result, ms: Date.now() - t0 });
    }

    if (url.pathname === "/export") {
      const t0 = Date.now();
      const range = await resolveExportRange(fullEnv, tenantId, {
        format: "jsonl",
        fromSeq: q.has("fromSeq") ? num("fromSeq", 1) : undefined,
        toSeq: q.has("toSeq") ? num("toSeq", 1) : undefined,
      });
      let bytes = 0;
      const reader = exportStream(fullEnv, tenantId, range, "jsonl").getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
      }
      return Response.json({ range, bytes, ms: Date.now() - t0 });
    }

    if (url.pathname === "/stats") {
      return Response.json({
        meters: await ledgerFor(fullEnv, tenantId).stats(),
        storage: await ledgerFor(fullEnv, tenantId).storageFigures(),
      });
    }
    return new Response("not found", { status: 404 });
  },
};

function diff<T extends Record<string, number>>(before: T, after: T): T {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - before[k]!])) as T;
}
