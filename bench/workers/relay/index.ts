/**
 * Bench-only build of the API Worker, variant (e) of bench/README.md. Never deployed.
 *
 * Everything an agent touches is the product: the Hono app verifies the agent token and forwards
 * the upgrade, and the TeamRelay below IS the product class (subclassed, not copied). The bench
 * adds, outside the message path:
 *   - `GET /__bench/relay-stats?team=…` → the relay's own `stats()` counters plus the time the
 *     object was constructed (so the wake-up test can tell that it really had been evicted);
 *   - with the binding `BENCH_UNLIMITED_RATES = "1"`, the per-agent token buckets (a trust-level
 *     policy: 50 msg/s at trust 4) are replaced by ones that always admit, so the throughput
 *     figures are the relay's capacity, not the policy. `npm run bench -- --product-rate-limits`
 *     keeps the product's buckets;
 *   - a diagnostic switch that turns the alarm off (below).
 */
import api, { TeamRelay as ProductTeamRelay } from "../../../workers/api/src/index";
import type { RateCheck } from "../../../durable-objects/team-relay/judge";
import type { RateLimits } from "../../../durable-objects/team-relay/rate-limit";
import type { RelayStats } from "../../../durable-objects/team-relay/sql-meter";

// Every other class the API Worker exports (RateLimiter, AuditLedger, …); the local TeamRelay below shadows the product's.
export * from "../../../workers/api/src/index";

type BenchEnv = Env & { BENCH_UNLIMITED_RATES?: string; BENCH_SKIP_ALARM?: string };

class AdmitAll {
  check(): RateCheck {
    return { ok: true };
  }
  consume(): void {}
  refused(): void {}
  forget(): void {}
}

export class TeamRelay extends ProductTeamRelay {
  readonly bornAt = Date.now();

  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    if (env.BENCH_UNLIMITED_RATES === "1") this.core.rates = new AdmitAll() as unknown as RateLimits;
  }

  /**
   * Diagnostic only (`npm run bench -- --diagnose-no-alarm`): with `BENCH_SKIP_ALARM = "1"` the
   * alarm — audit flush, request timeouts, TTL purge — does nothing, to separate the cost of the
   * message path from the cost of the deferred audit work. Never a product figure.
   */
  override async alarm(): Promise<void> {
    if ((this.env as BenchEnv).BENCH_SKIP_ALARM === "1") return;
    return super.alarm();
  }

  /** The relay's own `stats()` and when this instance was constructed (the wake-up test's proof of an eviction). */
  async benchStats(): Promise<{ bornAt: number; stats: RelayStats }> {
    return { bornAt: this.bornAt, stats: await this.stats() };
  }
}

export default {
  ...api,
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/relay-stats") {
      const team = url.searchParams.get("team") ?? "";
      const relay = env.TEAM_RELAY.get(env.TEAM_RELAY.idFromName(team)) as unknown as DurableObjectStub<TeamRelay>;
      return Response.json(await relay.benchStats());
    }
    return api.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
