/**
 * `CoordinationClient`: the team's shared coordination state over HTTP (`/v1/agent/*`) —
 * locks with fencing tokens, the work queue, hand-offs, memory, discovery. Authenticated by the
 * agent's team token, exchanged from its secret and renewed by the same `TokenSource` the relay
 * client uses. Every refusal throws `CoordinationError` carrying the API's code
 * (`lock_held`, `lease_lost`, `not_allowed`, `quota_exceeded`, … — docs/errors.md).
 */
import type {
  AgentPresence,
  CreateHandoff,
  CreateTask,
  GuardrailVerdict,
  Handoff,
  InvokeAgentOptions,
  Run,
  Lock,
  Memory,
  Recall,
  Remember,
  Task,
  TaskState,
} from "./coordination-types";
import { agentCall, type AgentHttp } from "./agent-http";
import { SwitchboardError } from "./errors";
import { TokenSource, type AgentCredentials } from "./token";

export class CoordinationError extends SwitchboardError {
  constructor(
    message: string,
    code: string,
    /** HTTP status (0: the API could not be reached). */
    readonly status: number,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message, code);
  }
}

export interface CoordinationClientOptions extends AgentCredentials {
  fetch?: typeof fetch;
  /** Share the relay client's token source (or pass none: one is made from the credentials). */
  tokens?: TokenSource;
}

export class CoordinationClient {
  private readonly http: AgentHttp<CoordinationError>;

  constructor(options: CoordinationClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = {
      base: options.url.replace(/\/$/, ""),
      fetchImpl,
      tokens: options.tokens ?? new TokenSource(options, 60_000, fetchImpl),
      error: (message, code, status, details) => new CoordinationError(message, code, status, details),
    };
  }

  // ---- locks

  /** Takes the lock; `waitMs` waits for a held one. Throws `lock_held` when it stays held. */
  async acquireLock(name: string, options: { ttlMs?: number; waitMs?: number } = {}): Promise<Lock> {
    return (await this.call<{ lock: Lock }>("POST", "/v1/agent/locks/acquire", { name, ...options })).lock;
  }

  async renewLock(lock: Pick<Lock, "name" | "fencingToken">, ttlMs?: number): Promise<Lock> {
    return (
      await this.call<{ lock: Lock }>("POST", "/v1/agent/locks/renew", {
        name: lock.name,
        fencingToken: lock.fencingToken,
        ...(ttlMs ? { ttlMs } : {}),
      })
    ).lock;
  }

  async releaseLock(lock: Pick<Lock, "name" | "fencingToken">): Promise<void> {
    await this.call("POST", "/v1/agent/locks/release", { name: lock.name, fencingToken: lock.fencingToken });
  }

  /** Runs `fn` holding the lock and releases it afterwards (also when `fn` throws). */
  async withLock<T>(name: string, fn: (lock: Lock) => Promise<T>, options: { ttlMs?: number; waitMs?: number } = {}): Promise<T> {
    const lock = await this.acquireLock(name, options);
    try {
      return await fn(lock);
    } finally {
      await this.releaseLock(lock).catch(() => {});
    }
  }

  async listLocks(): Promise<{ locks: Lock[]; fencingCounter: number }> {
    return this.call("GET", "/v1/agent/locks");
  }

  // ---- tasks

  async createTask(task: CreateTask): Promise<Task> {
    return (await this.call<{ task: Task }>("POST", "/v1/agent/tasks", task)).task;
  }

  /** The best claimable task for this agent (or `taskId`), leased to it; null when there is none. */
  async claimTask(options: { taskId?: string; capabilities?: string[] } = {}): Promise<Task | null> {
    return (await this.call<{ task: Task | null }>("POST", "/v1/agent/tasks/claim", options)).task;
  }

  async completeTask(task: Pick<Task, "id" | "claimToken">, result?: unknown): Promise<{ task: Task; unblocked: string[] }> {
    return this.call("POST", "/v1/agent/tasks/complete", {
      taskId: task.id,
      claimToken: task.claimToken,
      ...(result === undefined ? {} : { result }),
    });
  }

  async failTask(task: Pick<Task, "id" | "claimToken">, error: string, options: { retry?: boolean } = {}): Promise<Task> {
    return (
      await this.call<{ task: Task }>("POST", "/v1/agent/tasks/fail", { taskId: task.id, claimToken: task.claimToken, error, ...options })
    ).task;
  }

  async getTask(taskId: string): Promise<Task> {
    return (await this.call<{ task: Task }>("GET", `/v1/agent/tasks/${encodeURIComponent(taskId)}`)).task;
  }

  async listTasks(options: { state?: TaskState; limit?: number } = {}): Promise<{ tasks: Task[]; counts: Record<TaskState, number> }> {
    const q = new URLSearchParams();
    if (options.state) q.set("state", options.state);
    if (options.limit) q.set("limit", String(options.limit));
    return this.call("GET", `/v1/agent/tasks${q.size ? `?${q}` : ""}`);
  }

  // ---- hand-offs

  async handoff(handoff: CreateHandoff): Promise<Handoff> {
    return (await this.call<{ handoff: Handoff }>("POST", "/v1/agent/handoffs", handoff)).handoff;
  }

  /** Hand-offs left for this agent (unread by default); reading sends the read receipts. */
  async readHandoffs(options: { unreadOnly?: boolean; key?: string; limit?: number } = {}): Promise<Handoff[]> {
    return (await this.call<{ handoffs: Handoff[] }>("POST", "/v1/agent/handoffs/read", options)).handoffs;
  }

  async sentHandoffs(): Promise<Handoff[]> {
    return (await this.call<{ handoffs: Handoff[] }>("GET", "/v1/agent/handoffs/sent")).handoffs;
  }

  // ---- memory

  async remember(entry: Remember): Promise<Memory> {
    return (await this.call<{ memory: Memory }>("POST", "/v1/agent/memory", entry)).memory;
  }

  async recall(query: Recall = {}): Promise<Memory[]> {
    return (await this.call<{ memories: Memory[] }>("POST", "/v1/agent/memory/recall", query)).memories;
  }

  async forget(memoryId: string): Promise<void> {
    await this.call("DELETE", `/v1/agent/memory/${encodeURIComponent(memoryId)}`);
  }

  // ---- discovery, guardrails

  async heartbeat(presence: { capabilities?: string[]; status?: string; currentTask?: string | null } = {}): Promise<AgentPresence> {
    return (await this.call<{ agent: AgentPresence }>("POST", "/v1/agent/heartbeat", presence)).agent;
  }

  async listAgents(): Promise<AgentPresence[]> {
    return (await this.call<{ agents: AgentPresence[] }>("GET", "/v1/agent/agents")).agents;
  }

  /** NOTE: until a guardrail engine is configured the verdict says `engine: "none"` and checks nothing. */
  async checkGuardrails(check: { action: string; resource?: string; content?: string }): Promise<GuardrailVerdict> {
    return this.call("POST", "/v1/agent/guardrails/check", check);
  }

  // ---- runs (docs/runs.md)

  /**
   * Invokes another agent of the team as a run and waits for it to end (up to `budget.deadlineMs`):
   * the callee receives `{ run, input }` as a relay request and its reply is `run.output`. Resolves
   * with the ended run whatever its status (`succeeded`, `failed`, `denied`, `timed_out`,
   * `budget_exceeded`); throws `CoordinationError` for a bad request, an unknown callee (`not_found`)
   * or a parent run that is out of budget (`run_budget_exceeded`).
   */
  async invokeAgent(to: string, input: unknown, options: InvokeAgentOptions = {}): Promise<Run> {
    return (await this.call<{ run: Run }>("POST", "/v1/agent/runs", { to, input, ...options })).run;
  }

  /** A run you are the caller or callee of. */
  async getRun(runId: string): Promise<Run> {
    return (await this.call<{ run: Run }>("GET", `/v1/agent/runs/${encodeURIComponent(runId)}`)).run;
  }

  // ---- transport (agent-http.ts: the same error mapping as SkillsClient)

  private call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return agentCall<T, CoordinationError>(this.http, method, path, body);
  }
}
