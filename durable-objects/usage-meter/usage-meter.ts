/**
 * UsageMeter: one Durable Object per tenant (`USAGE_METER.idFromName(tenantId)`), the single writer
 * of the tenant's usage counters and the judge of its budgets (docs/billing.md, "Metering").
 *
 * - `record` applies a batch of usage records exactly once (keys, stream marks, running totals:
 *   workers/shared/billing/usage.ts) in ONE synchronous transaction, and answers the budget state
 *   of what it touched. Producers send one call per batch of their own (a relay flush, a gate
 *   flush), so the cost is a fraction of a request per unit and a handful of SQLite rows per call.
 * - `check` answers whether one more unit may be used (budget-decision.ts, pure).
 * - The alarm flushes changed counters to D1 (`usage_counters`, absolute values: a retried flush
 *   is harmless) in one batch at most every FLUSH_DELAY_MS, emits staged budget notices to the audit
 *   trail (where alert rules and webhooks pick them up), and schedules the tenant's usage report.
 *
 * The plan and budgets are read from D1 and cached for CONFIG_TTL_MS; `reload` (called after a
 * budget change or a plan change) drops the cache at once.
 */
import { createHash } from "node:crypto";
import { DurableObject } from "cloudflare:workers";
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { decideBudget, type BudgetCheck, type BudgetRule } from "../../workers/shared/billing/budget-decision";
import { periodBounds, periodOf } from "../../workers/shared/billing/period";
import type { RecordOptions, RecordResult, UsageRecord } from "../../workers/shared/billing/usage";
import { USAGE_KIND_IDS, type UsageKind } from "../../workers/shared/billing/usage-kinds";
import { derivedId } from "../../workers/shared/crypto/ids";
import type { PlanId } from "../../workers/shared/plans";
import { addToCounter, counterValue, dirtyCounters, markFlushed, markOf, migrate, prune, readMeta, setMark, writeMeta } from "./storage";

/** How long counters may wait before they are flushed to D1 (the cost of a flush is one D1 batch; docs/cost.md). */
export const FLUSH_DELAY_MS = 60_000;
export const CONFIG_TTL_MS = 60_000;
/** A tenant's usage report job is scheduled at most this often. */
export const REPORT_INTERVAL_MS = 5 * 60_000;
const FLUSH_CHUNK = 50;

interface MeterConfig {
  plan: PlanId;
  budgets: BudgetRule[];
  loadedAt: number;
}

export interface MeterSummary {
  period: string;
  plan: PlanId;
  totals: Record<UsageKind, number>;
  byAgent: Array<{ agentId: string; kind: UsageKind; used: number }>;
  /** The tenant-wide decision per kind (agent null). */
  tenant: BudgetCheck[];
  /** The decision for every agent that has a budget, per kind it has one on (spend: every priced kind). */
  agents: BudgetCheck[];
}

export class UsageMeter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private config: MeterConfig | null = null;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  async record(tenantId: string, records: UsageRecord[], options: RecordOptions = {}): Promise<RecordResult> {
    const config = await this.configFor(tenantId);
    const now = Date.now();
    const period = periodOf(now);
    const touched = new Map<string, { agentId: string | null; kind: UsageKind }>();
    const refused: BudgetCheck[] = [];
    let applied = 0;
    // No await from here to the end of the transaction: the whole call applies, or none of it.
    this.ctx.storage.transactionSync(() => {
      for (const record of records) {
        const agentId = record.agentId ?? null;
        const recordPeriod = periodOf(record.at ?? now);
        touched.set(`${agentId}\u0000${record.kind}`, { agentId, kind: record.kind });
        let quantity: number;
        let commit: () => void;
        if ("idempotencyKey" in record) {
          if (this.sql.exec("SELECT 1 FROM idempotency_keys WHERE key = ?", record.idempotencyKey).toArray().length > 0) continue;
          quantity = record.quantity;
          commit = () => this.sql.exec("INSERT INTO idempotency_keys (key, at) VALUES (?, ?)", record.idempotencyKey, now);
        } else if ("source" in record) {
          const mark = markOf(this.sql, record.source);
          if (mark !== null && record.seq <= mark) continue;
          quantity = record.quantity ?? 1;
          commit = () => setMark(this.sql, record.source, record.seq, now);
        } else {
          const mark = markOf(this.sql, record.counter) ?? 0;
          quantity = record.total - mark;
          if (quantity <= 0) continue;
          commit = () => setMark(this.sql, record.counter, record.total, now);
        }
        if (!Number.isSafeInteger(quantity) || quantity < 0)
          throw new Error(`usage quantities are whole numbers (got ${quantity} for ${record.kind})`);
        if (options.enforce && recordPeriod === period) {
          const check = this.decide(config, period, { agentId, kind: record.kind, adding: quantity });
          if (check.decision === "hard_exceeded") {
            refused.push(check);
            continue;
          }
        }
        commit();
        addToCounter(this.sql, recordPeriod, record.kind, "", quantity);
        if (agentId !== null) addToCounter(this.sql, recordPeriod, record.kind, agentId, quantity);
        applied += quantity;
      }
      if (applied > 0) this.stageNotices(tenantId, config, period, [...touched.values()], now);
    });
    const decisions = [...touched.values()].map((t) => this.decide(config, period, t));
    if (applied > 0) await this.scheduleFlush(now);
    return { applied, refused, decisions };
  }

  async check(tenantId: string, target: { agentId: string | null; kind: UsageKind }): Promise<BudgetCheck> {
    const config = await this.configFor(tenantId);
    return this.decide(config, periodOf(Date.now()), target);
  }

  async summary(tenantId: string): Promise<MeterSummary> {
    const config = await this.configFor(tenantId);
    const period = periodOf(Date.now());
    const rows = this.sql
      .exec<{ kind: UsageKind; agent_id: string; quantity: number }>(
        "SELECT kind, agent_id, quantity FROM counters WHERE period = ?",
        period,
      )
      .toArray();
    const totals = Object.fromEntries(USAGE_KIND_IDS.map((k) => [k, 0])) as Record<UsageKind, number>;
    for (const r of rows) if (r.agent_id === "") totals[r.kind] = r.quantity;
    const agentIds = [...new Set(config.budgets.map((b) => b.agentId).filter((a): a is string => a !== null))];
    return {
      period,
      plan: config.plan,
      totals,
      byAgent: rows.filter((r) => r.agent_id !== "").map((r) => ({ agentId: r.agent_id, kind: r.kind, used: r.quantity })),
      tenant: USAGE_KIND_IDS.map((kind) => this.decide(config, period, { agentId: null, kind })),
      agents: agentIds.flatMap((agentId) =>
        USAGE_KIND_IDS.map((kind) => this.decide(config, period, { agentId, kind })).filter((c) =>
          c.limits.some((l) => l.scope === "agent"),
        ),
      ),
    };
  }

  async reload(tenantId: string): Promise<void> {
    this.config = null;
    await this.configFor(tenantId);
  }

  /** Flushes now (the alarm's work); tests and the cost measurement call it directly. */
  async flush(): Promise<{ counters: number; notices: number; rowsWritten: number }> {
    const tenantId = readMeta(this.sql, "tenant_id");
    if (!tenantId) return { counters: 0, notices: 0, rowsWritten: 0 };
    const now = Date.now();
    const counters = dirtyCounters(this.sql);
    let rowsWritten = 0;
    for (let i = 0; i < counters.length; i += FLUSH_CHUNK) {
      const chunk = counters.slice(i, i + FLUSH_CHUNK);
      const results = await this.env.DB.batch(
        chunk.map((c) =>
          this.env.DB.prepare(
            "INSERT INTO usage_counters (tenant_id, period, kind, agent_id, quantity, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, period, kind, agent_id) DO UPDATE SET quantity = max(quantity, excluded.quantity), updated_at = excluded.updated_at",
          ).bind(tenantId, c.period, c.kind, c.agent_id, c.quantity, now),
        ),
      );
      rowsWritten += results.reduce((n, r) => n + (r.meta.rows_written ?? 0), 0);
      markFlushed(this.sql, chunk);
    }
    const notices = this.sql.exec<{ id: string; event: string }>("SELECT id, event FROM notices ORDER BY id").toArray();
    if (notices.length > 0) {
      await emitAuditBatch(
        this.env,
        notices.map((n) => JSON.parse(n.event) as StagedAuditEvent),
      );
      for (const n of notices) this.sql.exec("DELETE FROM notices WHERE id = ?", n.id);
    }
    if (counters.some((c) => c.agent_id === "")) await this.scheduleReport(tenantId, now);
    if (Number(readMeta(this.sql, "pruned_at") ?? 0) < now - 86_400_000) {
      prune(this.sql, now, periodOf(periodBounds(periodOf(now)).start - 1));
      writeMeta(this.sql, "pruned_at", String(now));
    }
    return { counters: counters.length, notices: notices.length, rowsWritten };
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.flush();
    // Records that arrived during the flush's awaits: flush them in the next window.
    if (dirtyCounters(this.sql).length > 0 || this.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0)
      await this.scheduleFlush(Date.now());
  }

  private decide(config: MeterConfig, period: string, target: { agentId: string | null; kind: UsageKind; adding?: number }): BudgetCheck {
    return decideBudget(
      { plan: config.plan, budgets: config.budgets, usage: (agentId, kind) => counterValue(this.sql, period, kind, agentId ?? "") },
      target,
    );
  }

  /**
   * Budget notices, staged in the record's transaction: the first time in a month a limit's soft or
   * hard cap is reached, an audit event (`budget.soft_cap_reached`, `budget.hard_cap_reached`,
   * `budget.plan_allowance_reached`) that alert rules turn into alerts and webhooks.
   */
  private stageNotices(
    tenantId: string,
    config: MeterConfig,
    period: string,
    touched: Array<{ agentId: string | null; kind: UsageKind }>,
    now: number,
  ): void {
    for (const target of touched) {
      for (const limit of this.decide(config, period, { ...target, adding: 0 }).limits) {
        const levels: Array<["soft" | "hard", number]> = [];
        if (limit.soft !== null && limit.used >= limit.soft) levels.push(["soft", limit.soft]);
        if (limit.hard !== null && limit.used >= limit.hard) levels.push(["hard", limit.hard]);
        for (const [level, threshold] of levels) {
          const agentId = limit.scope === "agent" ? target.agentId : null;
          const key = [limit.budgetId ?? `plan:${limit.metric}`, agentId ?? "*", period, level, threshold].join("|");
          if (this.sql.exec("INSERT INTO notified (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, now).rowsWritten === 0)
            continue;
          const action =
            limit.source === "plan"
              ? "budget.plan_allowance_reached"
              : level === "hard"
                ? "budget.hard_cap_reached"
                : "budget.soft_cap_reached";
          const event: StagedAuditEvent = {
            id: derivedId("audit", now, createHash("sha256").update(`usage-notice:${tenantId}:${key}`).digest()),
            at: now,
            tenantId,
            actor: { type: "system", id: null, name: "usage-meter" },
            action,
            target: limit.budgetId ? { type: "budget", id: limit.budgetId } : { type: "tenant", id: tenantId },
            details: {
              metric: limit.metric,
              kind: target.kind,
              scope: limit.scope,
              agentId,
              used: limit.used,
              limit: threshold,
              level,
              period,
            },
            severity: level === "hard" ? "critical" : "warning",
            outcome: "success",
            ip: null,
            userAgent: null,
          };
          this.sql.exec("INSERT INTO notices (id, event) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", event.id, JSON.stringify(event));
        }
      }
    }
  }

  private async configFor(tenantId: string): Promise<MeterConfig> {
    if (this.config && Date.now() - this.config.loadedAt < CONFIG_TTL_MS) return this.config;
    if (readMeta(this.sql, "tenant_id") !== tenantId) writeMeta(this.sql, "tenant_id", tenantId);
    const [tenant, budgets] = await this.env.DB.batch<any>([
      this.env.DB.prepare("SELECT plan FROM tenants WHERE id = ?").bind(tenantId),
      this.env.DB.prepare("SELECT id, agent_id, metric, soft_limit, hard_limit FROM budgets WHERE tenant_id = ?").bind(tenantId),
    ]);
    this.config = {
      plan: ((tenant!.results[0] as { plan?: PlanId } | undefined)?.plan ?? "free") as PlanId,
      budgets: (
        budgets!.results as Array<{
          id: string;
          agent_id: string | null;
          metric: BudgetRule["metric"];
          soft_limit: number | null;
          hard_limit: number | null;
        }>
      ).map((b) => ({ id: b.id, agentId: b.agent_id, metric: b.metric, softLimit: b.soft_limit, hardLimit: b.hard_limit })),
      loadedAt: Date.now(),
    };
    return this.config;
  }

  private async scheduleFlush(now: number): Promise<void> {
    if (this.alarmAt !== null) return;
    this.alarmAt = now + FLUSH_DELAY_MS;
    await this.ctx.storage.setAlarm(this.alarmAt);
  }

  private async scheduleReport(tenantId: string, now: number): Promise<void> {
    if (Number(readMeta(this.sql, "report_scheduled_at") ?? 0) > now - REPORT_INTERVAL_MS) return;
    await this.env.BILLING_JOBS.send({ type: "report_usage", tenantId });
    writeMeta(this.sql, "report_scheduled_at", String(now));
  }
}
