/**
 * Coordination wire types (locks, tasks, hand-offs, memory, presence) as the API answers them.
 * Written out here rather than imported so the SDK stays self-contained; the contract is
 * docs/coordination.md and /openapi.json (schemas Lock, Task, Handoff, Memory, AgentPresence).
 */
export interface CoordActor {
  type: "agent" | "user" | "api_key" | "system";
  id: string | null;
  name?: string | null;
}

export interface Lock {
  name: string;
  holder: CoordActor;
  /** Larger than every token issued before in the team; pass it to the resource you guard. */
  fencingToken: number;
  acquiredAt: string;
  expiresAt: string;
}

export type TaskState = "blocked" | "queued" | "claimed" | "completed" | "dead" | "cancelled";

export interface Task {
  id: string;
  title: string;
  body: string;
  labels: string[];
  priority: number;
  assignee: string | null;
  capability: string | null;
  dependsOn: string[];
  state: TaskState;
  attempts: number;
  maxAttempts: number;
  visibilityTimeoutMs: number;
  claimedBy: string | null;
  /** Only in a claim's answer: present it to complete or fail. */
  claimToken: string | null;
  leaseExpiresAt: string | null;
  result: unknown;
  lastError: string | null;
  createdBy: CoordActor;
  workflowRunId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CreateTask {
  title: string;
  body?: string;
  labels?: string[];
  priority?: number;
  assignee?: string;
  capability?: string;
  dependsOn?: string[];
  maxAttempts?: number;
  visibilityTimeoutMs?: number;
}

export interface HandoffLink {
  title: string;
  url: string;
}

export interface Handoff {
  id: string;
  key: string;
  version: number;
  from: CoordActor;
  to: string;
  title: string;
  done: string;
  next: string;
  links: HandoffLink[];
  context: Record<string, unknown>;
  taskId: string | null;
  workflowRunId: string | null;
  createdAt: string;
  /** The read receipt: when the recipient first read this version. */
  readAt: string | null;
}

export interface CreateHandoff {
  to: string;
  key?: string;
  title: string;
  done?: string;
  next?: string;
  links?: HandoffLink[];
  context?: Record<string, unknown>;
  taskId?: string;
}

export type MemoryKind = "episodic" | "working" | "procedural";

export interface Memory {
  id: string;
  scope: "agent" | "team";
  owner: string | null;
  kind: MemoryKind;
  content: string;
  tags: string[];
  bytes: number;
  createdBy: CoordActor;
  createdAt: string;
  expiresAt: string | null;
}

export interface Remember {
  content: string;
  kind?: MemoryKind;
  scope?: "agent" | "team";
  tags?: string[];
  ttlSeconds?: number;
}

export interface Recall {
  query?: string;
  tags?: string[];
  kind?: MemoryKind;
  scope?: "agent" | "team" | "all";
  limit?: number;
}

export interface AgentPresence {
  agentId: string;
  name: string;
  template: string;
  trustLevel: number;
  status: "active" | "suspended";
  capabilities: string[];
  online: boolean;
  lastSeenAt: string | null;
  statusText: string | null;
  currentTask: string | null;
}

/** What the tenant's guardrail policy says about an action (docs/governance.md). */
export interface GuardrailVerdict {
  /** The decision is `allow` or `log`: go ahead. */
  allowed: boolean;
  /** The decision is `require_approval` (approvals do not exist yet: treat it as a refusal). */
  requiresApproval: boolean;
  decision: "allow" | "log" | "require_approval" | "block";
  /** `native`: the built-in rule registry. */
  engine: string;
  /** Trust level 3–4 turned `require_approval` into `log`. */
  trustAdjusted: boolean;
  reasons: string[];
  findings: Array<{
    ruleId: string;
    pack: string;
    severity: "critical" | "high" | "medium";
    action: "allow" | "log" | "require_approval" | "block";
    reason: string;
    match: string;
  }>;
}

// ---- runs (docs/runs.md; schema Run in /openapi.json)

export type RunStatus = "running" | "succeeded" | "failed" | "timed_out" | "budget_exceeded" | "denied";

export interface RunBudget {
  maxCalls?: number;
  maxEgressCalls?: number;
  maxCostUnits?: number;
  /** How long to wait for the callee's reply (100 ms – 5 min; default 30 s). */
  deadlineMs?: number;
}

export interface InvokeAgentOptions {
  /** Skills (`skill`) or tools (`skill/tool`) the callee may use for this run. */
  scope?: string[];
  budget?: RunBudget;
  /** The run you are working on, when this invocation is part of it. */
  parentRunId?: string;
}

export interface Run {
  id: string;
  teamId: string;
  callerAgentId: string;
  calleeAgentId: string;
  parentRunId: string | null;
  via: "http" | "sdk" | "mcp" | "a2a";
  status: RunStatus;
  scope: string[];
  budget: { maxCalls: number | null; maxEgressCalls: number | null; maxCostUnits: number | null; deadlineAt: string };
  used: { calls: number; egressCalls: number; costUnits: number };
  inputHash: string;
  outputHash: string | null;
  output?: unknown;
  error: { code: string; message: string } | null;
  cardVersion: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

/** What a callee finds in the body of the relay request a run delivers (`message.body`). */
export interface RunRequestBody {
  run: {
    id: string;
    scope: string[];
    budget: { maxCalls: number | null; maxEgressCalls: number | null; maxCostUnits: number | null; deadlineAt: string };
  };
  input: unknown;
}
