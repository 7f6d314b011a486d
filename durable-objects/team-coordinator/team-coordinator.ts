/**
 * TeamCoordinator: one Durable Object per team (`idFromName(teamId)`), the single writer of the
 * team's coordination state — locks, the work queue, hand-offs, memory, presence and workflow
 * runs — in its own SQLite. Separate from the TeamRelay so the relay's message path stays small
 * and hot (docs/decisions.md "Coordination in its own object"). The class only wires RPCs to the
 * modules beside it and owns the timers; docs/coordination.md has the whole picture.
 *
 * Every RPC takes the team and a `Caller` that the API Worker built after authenticating (an
 * agent token, a session or an API key): this object never sees a credential. Every RPC answers a
 * `CoordResult`, never throws for a refused operation, so the denial's audit event commits.
 */
import { DurableObject } from "cloudflare:workers";
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { Caller } from "../../workers/shared/coordination/policy";
import {
  CoordinationSettingsSchema,
  LOCK_LIMITS,
  type AgentPresence,
  type CoordinationSettings,
  type Handoff,
  type Lock,
  type Memory,
  type Task,
  type TaskState,
  type WorkflowRun,
} from "../../workers/shared/coordination/schemas";
import type { StartWorkflowInput } from "../../workers/shared/coordination/workflow-templates";
import { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { AUDIT_FLUSH_BATCH, AUDIT_FLUSH_DELAY_MS, flushAudit, stageAudit, stagedCount } from "./audit-outbox";
import { actorOf, fail, ok, type CoordAuditInput, type CoordResult, type CoordState } from "./context";
import { createHandoff, listHandoffs, readHandoffs, type HandoffCreate } from "./handoffs";
import { currentFence, forceRelease, listLocks, nextLockExpiry, purgeExpiredLocks, release, renew, tryAcquire } from "./locks";
import { MemberCache } from "./members";
import {
  forget,
  memoryUsage,
  nextMemoryExpiry,
  purgeExpiredMemories,
  recall,
  remember,
  type RecallArgs,
  type RememberArgs,
} from "./memory";
import { advertisedCapabilities, heartbeat, presenceOf, touch } from "./presence";
import { migrate, readMeta, writeMeta } from "./schema";
import {
  cancelTask,
  claimTask,
  completeTask,
  createTask,
  expireLeases,
  failTask,
  getTaskRow,
  listTasks,
  nextLeaseExpiry,
  requeueTask,
  taskCounts,
  toTask,
  type TaskCreate,
} from "./tasks";
import { getRun, listRuns, onTaskCompleted, onTaskDead, startRun } from "./workflows";

export interface TeamRef {
  teamId: string;
  tenantId: string;
}
type AgentCaller = Extract<Caller, { kind: "agent" }>;

/** How long a fetched allowlist is trusted before the relay is asked again (docs/coordination.md). */
export const ALLOWLIST_TTL_MS = 1_000;

export class TeamCoordinator extends DurableObject<Env> implements CoordState {
  readonly sql: SqlStorage;
  team: TeamRef = { teamId: "", tenantId: "" };
  settings: CoordinationSettings = CoordinationSettingsSchema.parse({});
  private readonly members = new MemberCache(() => this.env.DB);
  private allowlist = new CompiledAllowlist({ edges: [], topics: [] });
  private allowlistVersion = -1;
  private allowlistAt = 0;
  private readonly touches = new Map<string, number>();
  /** Lock name → callbacks of acquirers waiting for it (in memory: a waiter is a live RPC). */
  private readonly waiters = new Map<string, Set<() => void>>();
  private alarmAt: number | null = null;
  /** Earliest lease deadline known (a cache: 0 means "look"); claims skip the expiry scan before it. */
  private leaseCheckAt = 0;
  /** Capabilities agents advertised (a cache of the presence table, refreshed by heartbeat). */
  private readonly capabilities = new Map<string, string[]>();
  private alarms: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.team = { teamId: readMeta(this.sql, "team_id") ?? "", tenantId: readMeta(this.sql, "tenant_id") ?? "" };
      const stored = readMeta(this.sql, "settings");
      if (stored) this.settings = CoordinationSettingsSchema.parse(JSON.parse(stored));
      this.alarmAt = await ctx.storage.getAlarm();
      if (this.alarmAt === null) await this.reschedule();
    });
  }

  stage(event: CoordAuditInput): void {
    stageAudit(this.sql, this.team, event);
  }

  // ---- locks

  async acquireLock(team: TeamRef, caller: Caller, input: { name: string; ttlMs?: number; waitMs?: number }): Promise<CoordResult<Lock>> {
    await this.enter(team, caller);
    const ttl = input.ttlMs ?? this.settings.lockDefaultTtlMs;
    const deadline = Date.now() + Math.min(input.waitMs ?? 0, LOCK_LIMITS.maxWaitMs);
    for (;;) {
      const now = Date.now();
      // Audit the refusal only once, when the caller gets it (not on every retry while waiting).
      const attempt = tryAcquire(this, caller, input.name, ttl, now, now >= deadline);
      if (attempt.ok) {
        this.wakeAt(now + ttl);
        this.scheduleFlush();
        return ok(attempt.value);
      }
      if (attempt.error.code !== "lock_held" || now >= deadline) {
        this.scheduleFlush();
        return { ok: false, error: attempt.error };
      }
      await this.waitForLock(input.name, Math.min(deadline, attempt.retryAt ?? deadline) - now);
    }
  }

  async releaseLock(
    team: TeamRef,
    caller: Caller,
    input: { name: string; fencingToken: number },
  ): Promise<CoordResult<{ released: true }>> {
    await this.enter(team, caller);
    const r = release(this, caller, input.name, input.fencingToken, Date.now());
    if (r.ok) this.wakeWaiters(input.name);
    this.scheduleFlush();
    return r;
  }

  async renewLock(
    team: TeamRef,
    caller: Caller,
    input: { name: string; fencingToken: number; ttlMs?: number },
  ): Promise<CoordResult<Lock>> {
    await this.enter(team, caller);
    const r = renew(this, caller, input.name, input.fencingToken, input.ttlMs ?? this.settings.lockDefaultTtlMs, Date.now());
    this.scheduleFlush();
    return r;
  }

  async forceReleaseLock(team: TeamRef, caller: Caller, name: string): Promise<CoordResult<{ released: boolean; previous: Lock | null }>> {
    await this.enter(team, caller);
    const r = forceRelease(this, caller, name, Date.now());
    if (r.ok) this.wakeWaiters(name);
    this.scheduleFlush();
    return r;
  }

  async listLocks(team: TeamRef): Promise<{ locks: Lock[]; fencingCounter: number }> {
    this.bind(team);
    return { locks: listLocks(this.sql, Date.now()), fencingCounter: currentFence(this.sql) };
  }

  // ---- tasks

  async createTask(team: TeamRef, caller: Caller, input: TaskCreate): Promise<CoordResult<Task>> {
    await this.enter(team, caller, [input.assignee]);
    const r = createTask(this, caller, input, this.ctxFor(), Date.now());
    this.scheduleFlush();
    return r;
  }

  async claimTask(
    team: TeamRef,
    caller: AgentCaller,
    input: { taskId?: string; capabilities?: string[] },
  ): Promise<CoordResult<Task | null>> {
    await this.enter(team, caller);
    const now = Date.now();
    this.expireDueLeases(now);
    let advertised = this.capabilities.get(caller.agentId);
    if (!advertised) this.capabilities.set(caller.agentId, (advertised = advertisedCapabilities(this.sql, caller.agentId)));
    const r = claimTask(
      this,
      caller,
      { taskId: input.taskId, capabilities: [...advertised, ...(input.capabilities ?? [])] },
      this.ctxFor(),
      now,
    );
    if (r.ok && r.value) {
      const lease = now + r.value.visibilityTimeoutMs;
      this.leaseCheckAt = Math.min(this.leaseCheckAt, lease);
      this.wakeAt(lease);
    }
    this.scheduleFlush();
    return r;
  }

  async completeTask(
    team: TeamRef,
    caller: AgentCaller,
    input: { taskId: string; claimToken: string; result?: unknown },
  ): Promise<CoordResult<{ task: Task; unblocked: string[] }>> {
    await this.enter(team, caller);
    const now = Date.now();
    const r = completeTask(this, caller, input, now);
    if (r.ok) onTaskCompleted(this, caller, getTaskRow(this.sql, input.taskId)!, input.result, this.ctxFor(), now);
    this.scheduleFlush();
    return r;
  }

  async failTask(
    team: TeamRef,
    caller: AgentCaller,
    input: { taskId: string; claimToken: string; error: string; retry?: boolean },
  ): Promise<CoordResult<Task>> {
    await this.enter(team, caller);
    const now = Date.now();
    const r = failTask(this, caller, { ...input, retry: input.retry ?? true }, now);
    if (r.ok && r.value.state === "dead") onTaskDead(this, getTaskRow(this.sql, input.taskId)!, now);
    this.scheduleFlush();
    return r;
  }

  async cancelTask(team: TeamRef, caller: Caller, taskId: string): Promise<CoordResult<Task>> {
    await this.enter(team, caller);
    const r = cancelTask(this, caller, taskId, Date.now());
    this.scheduleFlush();
    return r;
  }

  async requeueTask(team: TeamRef, caller: Caller, taskId: string): Promise<CoordResult<Task>> {
    await this.enter(team, caller);
    const r = requeueTask(this, caller, taskId, Date.now());
    this.scheduleFlush();
    return r;
  }

  async listTasks(
    team: TeamRef,
    filter: { state?: TaskState; limit: number },
  ): Promise<{ tasks: Task[]; counts: Record<TaskState, number> }> {
    this.bind(team);
    this.expireDueLeases(Date.now());
    return { tasks: listTasks(this.sql, filter), counts: taskCounts(this.sql) };
  }

  async getTask(team: TeamRef, taskId: string): Promise<CoordResult<Task>> {
    this.bind(team);
    this.expireDueLeases(Date.now());
    const row = getTaskRow(this.sql, taskId);
    return row ? ok(toTask(row)) : fail("not_found", "No such task in this team.", { taskId });
  }

  // ---- hand-offs

  async handoff(team: TeamRef, caller: Caller, input: HandoffCreate): Promise<CoordResult<Handoff>> {
    await this.enter(team, caller, [input.to]);
    if (input.taskId && !getTaskRow(this.sql, input.taskId))
      return fail("not_found", "No such task in this team.", { taskId: input.taskId });
    const r = createHandoff(this, caller, input, this.ctxFor(), Date.now());
    this.scheduleFlush();
    return r;
  }

  async readHandoffs(team: TeamRef, caller: AgentCaller, input: { unreadOnly: boolean; key?: string; limit: number }): Promise<Handoff[]> {
    await this.enter(team, caller);
    const r = readHandoffs(this, caller, input, Date.now());
    this.scheduleFlush();
    return r;
  }

  async listHandoffs(team: TeamRef, filter: { fromId?: string; toAgent?: string; key?: string; limit: number }): Promise<Handoff[]> {
    this.bind(team);
    return listHandoffs(this.sql, filter);
  }

  // ---- memory

  async remember(team: TeamRef, caller: AgentCaller, input: RememberArgs): Promise<CoordResult<Memory>> {
    await this.enter(team, caller);
    const r = remember(this, caller, input, Date.now());
    if (r.ok && r.value.expiresAt) this.wakeAt(Date.parse(r.value.expiresAt));
    this.scheduleFlush();
    return r;
  }

  /** `caller` null: a person browsing (sees every entry of the team, not audited as an agent recall). */
  async recall(team: TeamRef, caller: AgentCaller | null, input: RecallArgs): Promise<CoordResult<Memory[]>> {
    if (caller) await this.enter(team, caller);
    else this.bind(team);
    const r = recall(this.sql, caller?.agentId ?? null, input, Date.now());
    if (caller && r.ok) {
      this.stage({
        actor: actorOf(caller),
        action: "coordination.memory_recalled",
        details: { query: input.query ?? null, tags: input.tags ?? [], scope: input.scope, returned: r.value.map((m) => m.id) },
      });
      this.scheduleFlush();
    }
    return r;
  }

  async forget(team: TeamRef, caller: Caller, id: string): Promise<CoordResult<{ deleted: true }>> {
    await this.enter(team, caller);
    const r = forget(this, caller, id);
    this.scheduleFlush();
    return r;
  }

  async memoryUsage(
    team: TeamRef,
  ): Promise<{ teamBytes: number; teamQuotaBytes: number; agents: Array<{ agentId: string; bytes: number }> }> {
    this.bind(team);
    return { ...memoryUsage(this.sql, Date.now()), teamQuotaBytes: this.settings.teamMemoryQuotaBytes };
  }

  // ---- discovery

  async heartbeat(
    team: TeamRef,
    caller: AgentCaller,
    input: { capabilities?: string[]; status?: string; currentTask?: string | null },
  ): Promise<AgentPresence> {
    await this.enter(team, caller);
    const now = Date.now();
    heartbeat(this, this.touches, caller.agentId, input, now);
    this.capabilities.delete(caller.agentId);
    return presenceOf(
      this.sql,
      this.members.all().filter((m) => m.agentId === caller.agentId),
      now,
    )[0]!;
  }

  async listAgents(team: TeamRef, caller: Caller | null): Promise<AgentPresence[]> {
    if (caller) await this.enter(team, caller);
    else {
      this.bind(team);
      await this.members.ensure(team.teamId, Date.now());
    }
    return presenceOf(this.sql, this.members.all(), Date.now());
  }

  // ---- workflows

  async startWorkflow(team: TeamRef, caller: Caller, input: StartWorkflowInput): Promise<CoordResult<WorkflowRun>> {
    const explicit = Object.values(input.assignees ?? {});
    await this.enter(team, caller, explicit);
    for (const id of explicit)
      if (!this.members.get(id))
        return fail("validation_failed", `assignees names an agent that is not in this team: ${id}`, {
          issues: [{ path: "assignees", message: `not in team: ${id}` }],
        });
    const assignees: Partial<Record<AgentTemplate, string>> = {};
    for (const role of ["pm", "engineering", "ops", "support", "custom"] as const) {
      const chosen = input.assignees?.[role] ?? this.members.firstOfRole(role);
      if (chosen) assignees[role] = chosen;
    }
    const r = startRun(this, caller, input, assignees, this.ctxFor(), Date.now());
    this.scheduleFlush();
    return r;
  }

  async listWorkflowRuns(team: TeamRef, limit: number): Promise<WorkflowRun[]> {
    this.bind(team);
    return listRuns(this.sql, limit);
  }

  async getWorkflowRun(team: TeamRef, id: string): Promise<CoordResult<WorkflowRun>> {
    this.bind(team);
    return getRun(this.sql, id);
  }

  // ---- settings (declarative teams carry them)

  async getSettings(team: TeamRef): Promise<CoordinationSettings> {
    this.bind(team);
    return this.settings;
  }

  async putSettings(team: TeamRef, caller: Caller, settings: CoordinationSettings): Promise<CoordinationSettings> {
    this.bind(team);
    const next = CoordinationSettingsSchema.parse(settings);
    if (JSON.stringify(next) !== JSON.stringify(this.settings)) {
      writeMeta(this.sql, "settings", JSON.stringify(next));
      this.stage({ actor: actorOf(caller), action: "coordination.settings_updated", details: { before: this.settings, after: next } });
      this.settings = next;
      this.scheduleFlush();
    }
    return this.settings;
  }

  // ---- alarm: audit flush, re-delivery, TTL purges. At least once; every step is idempotent.

  override alarm(): Promise<void> {
    const run = () => this.runAlarm();
    this.alarms = this.alarms.then(run, run);
    return this.alarms;
  }

  private async runAlarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    this.expireDueLeases(now);
    purgeExpiredLocks(this.sql, now);
    purgeExpiredMemories(this.sql, now);
    let backlog = false;
    for (let i = 0; i < 10; i++) {
      const n = await flushAudit(this.sql, this.env);
      backlog = n >= AUDIT_FLUSH_BATCH;
      if (!backlog) break;
    }
    await this.reschedule(backlog);
  }

  private async reschedule(backlog = false): Promise<void> {
    const now = Date.now();
    const staged = stagedCount(this.sql) > 0;
    const candidates = [
      staged ? (backlog ? now : now + AUDIT_FLUSH_DELAY_MS) : null,
      nextLeaseExpiry(this.sql),
      nextLockExpiry(this.sql),
      nextMemoryExpiry(this.sql),
    ].filter((t): t is number => t !== null);
    if (candidates.length > 0) this.wakeAt(Math.max(now, Math.min(...candidates)));
  }

  private scheduleFlush(): void {
    this.wakeAt(Date.now() + AUDIT_FLUSH_DELAY_MS);
  }

  private wakeAt(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    // Storage writes are ordered and held behind the output gate, like the SQL writes before it.
    this.ctx.storage.setAlarm(at).catch((err: unknown) => {
      this.alarmAt = null;
      console.error(JSON.stringify({ msg: "coordinator setAlarm failed", teamId: this.team.teamId, error: String(err) }));
    });
  }

  // ---- helpers

  private expireDueLeases(now: number): void {
    if (now < this.leaseCheckAt) return;
    for (const dead of expireLeases(this, now)) onTaskDead(this, dead, now);
    this.leaseCheckAt = nextLeaseExpiry(this.sql) ?? Number.POSITIVE_INFINITY;
  }

  private ctxFor() {
    return { allowlist: this.allowlist, members: this.members };
  }

  /** Binds the team, loads members (and `wanted` ids) and a fresh allowlist, and counts the call as the agent's heartbeat. */
  private async enter(team: TeamRef, caller: Caller, wanted: Array<string | null | undefined> = []): Promise<void> {
    this.bind(team);
    const now = Date.now();
    const ids = caller.kind === "agent" ? [caller.agentId, ...wanted] : wanted;
    // The hot path (caches fresh) does not await at all: no extra turn of the event loop per call.
    if (!this.members.fresh(now, ids) || now - this.allowlistAt >= ALLOWLIST_TTL_MS)
      await Promise.all([this.members.ensure(team.teamId, now, ids), this.refreshAllowlist(now)]);
    if (caller.kind === "agent") touch(this.sql, this.touches, caller.agentId, now);
  }

  private async refreshAllowlist(now: number): Promise<void> {
    if (now - this.allowlistAt < ALLOWLIST_TTL_MS) return;
    const relay = this.env.TEAM_RELAY.get(this.env.TEAM_RELAY.idFromName(this.team.teamId));
    const allowlist = await relay.getAllowlist(this.team.teamId, this.team.tenantId);
    this.allowlistAt = Date.now();
    if (allowlist.version !== this.allowlistVersion) {
      this.allowlist = new CompiledAllowlist(allowlist);
      this.allowlistVersion = allowlist.version;
    }
  }

  private waitForLock(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.waiters.delete(name);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      set.add(done);
    });
  }

  private wakeWaiters(name: string): void {
    for (const wake of [...(this.waiters.get(name) ?? [])]) wake();
  }

  private bind(team: TeamRef): void {
    if (this.team.teamId === team.teamId && this.team.tenantId === team.tenantId) return;
    if (this.team.teamId && this.team.teamId !== team.teamId)
      throw new Error(`coordinator of ${this.team.teamId} addressed as ${team.teamId}`);
    writeMeta(this.sql, "team_id", team.teamId);
    writeMeta(this.sql, "tenant_id", team.tenantId);
    this.team = { ...team };
  }
}
