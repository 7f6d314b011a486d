/**
 * Bench-only build of the API Worker for `npm run bench:coordination` (bench/coordination.mjs).
 * Never deployed. The API and the TeamCoordinator are the product, untouched; this entry only adds
 * `/__bench/coord/*`, which drives the coordinator's RPCs in a loop from inside workerd and times
 * each call, so the figures are the object's latency and throughput without HTTP or Node in the way:
 *   - `floor?n`            one cheap RPC (getSettings): the Durable Object RPC floor;
 *   - `floor-throughput?n&concurrency` the same RPC from `concurrency` callers: the RPC rate ceiling;
 *   - `locks?n`            acquire + release of one lock, sequential: latency per pair;
 *   - `claims?tasks&concurrency` create `tasks` tasks, then `concurrency` claimers claim until the
 *     queue is empty: claims/s (each claim is the product's full claim: lease expiry check,
 *     candidate scan, allowlist decision, update, audit staging).
 */
import api from "../../../workers/api/src/index";
import type { Caller } from "../../../workers/shared/coordination/policy";
import type { TeamCoordinator } from "../../../durable-objects/team-coordinator";

export * from "../../../workers/api/src/index";

type Stub = {
  [K in keyof TeamCoordinator]: TeamCoordinator[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

async function bench(url: URL, env: Env): Promise<Response> {
  const q = url.searchParams;
  const team = { teamId: q.get("team")!, tenantId: q.get("tenant")! };
  const agent: Extract<Caller, { kind: "agent" }> = {
    kind: "agent",
    agentId: q.get("agent")!,
    name: "bench",
    role: (q.get("role") ?? "engineering") as never,
    trust: 4,
  };
  const person: Caller = { kind: "person", actor: { type: "user", id: "usr_bench", name: "bench" }, admin: true };
  const stub = env.TEAM_COORDINATOR.get(env.TEAM_COORDINATOR.idFromName(team.teamId)) as unknown as Stub;
  const n = Number(q.get("n") ?? 1000);
  if (url.pathname === "/__bench/coord/floor") {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await stub.getSettings(team);
      samples.push(performance.now() - t0);
    }
    return Response.json(summary(samples));
  }
  if (url.pathname === "/__bench/coord/floor-throughput") {
    // The same concurrency as the claims run, on the cheapest RPC: the ceiling any claim rate sits under.
    const concurrency = Number(q.get("concurrency") ?? 16);
    let done = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (done < n) {
          done++;
          await stub.getSettings(team);
        }
      }),
    );
    const ms = performance.now() - t0;
    return Response.json({ calls: done, concurrency, ms, callsPerSecond: (done / ms) * 1000 });
  }
  if (url.pathname === "/__bench/coord/locks") {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const got = await stub.acquireLock(team, agent, { name: `bench-lock-${i % 16}`, ttlMs: 30_000 });
      if (!got.ok) throw new Error(JSON.stringify(got.error));
      const released = await stub.releaseLock(team, agent, { name: got.value.name, fencingToken: got.value.fencingToken });
      if (!released.ok) throw new Error(JSON.stringify(released.error));
      samples.push(performance.now() - t0);
    }
    return Response.json(summary(samples));
  }
  if (url.pathname === "/__bench/coord/claims") {
    const tasks = Number(q.get("tasks") ?? 2000);
    const concurrency = Number(q.get("concurrency") ?? 16);
    const label = `bench-${crypto.randomUUID().slice(0, 8)}`;
    for (let i = 0; i < tasks; i++) {
      // Leases longer than the bench: an earlier repetition's claims must not be re-delivered in the middle of a later one.
      const r = await stub.createTask(team, person, { title: `t${i}`, capability: label, visibilityTimeoutMs: 86_400_000 });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    let claimed = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const r = await stub.claimTask(team, agent, { capabilities: [label] });
          if (!r.ok) throw new Error(JSON.stringify(r.error));
          if (!r.value) return;
          claimed++;
        }
      }),
    );
    const ms = performance.now() - t0;
    return Response.json({ tasks, concurrency, claimed, ms, claimsPerSecond: (claimed / ms) * 1000 });
  }
  return new Response("unknown bench", { status: 404 });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/coord/")) return bench(url, env);
    return api.fetch(request, env, ctx);
  },
  scheduled: api.scheduled,
  queue: api.queue,
} satisfies ExportedHandler<Env>;
