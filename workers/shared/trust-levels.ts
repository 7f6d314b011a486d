/**
 * Agent trust levels 0–4: what an agent may do without a human. The one table for it; the relay,
 * egress proxy and approvals read their limits from here as those capabilities land.
 */
import { z } from "zod";

export const TrustLevelSchema = z.number().int().min(0).max(4).meta({ id: "TrustLevel", description: "0 (sandboxed) to 4 (autonomous)." });
export type TrustLevel = z.infer<typeof TrustLevelSchema>;

/**
 * Egress (the egress proxy, docs/egress.md): `egressMethods` are the HTTP methods the agent may use
 * without a human (level 0: none — every outbound call needs approval; level 1: read-only);
 * `egressRequestsPerMinute` / `egressBurst` are a token bucket per agent; `egressConcurrency` is how
 * many calls may be in flight at once.
 */
export interface EgressTrustLimits {
  egressMethods: readonly string[];
  egressRequestsPerMinute: number;
  egressBurst: number;
  egressConcurrency: number;
}
const READ_METHODS = ["GET", "HEAD", "OPTIONS"] as const;
const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * Operations that wait for a person's approval at a level (read by the approvals capability; the
 * egress gate and guardrail decision enforce the first three today, see the consistency test in
 * trust-levels.test.ts): `egress_read` / `egress_write` — an outbound call with a read (GET, HEAD,
 * OPTIONS) or write method (the level's `egressMethods` are the ones it may use alone);
 * `guardrail_finding` — a guardrail finding whose tenant-policy action is `require_approval`;
 * `agent_invocation` — invoking another agent (see `mayInvokeAgents`).
 */
export const GATED_OPERATIONS = ["egress_read", "egress_write", "guardrail_finding", "agent_invocation"] as const;
export type GatedOperation = (typeof GATED_OPERATIONS)[number];

/**
 * The agent tools (MCP and the HTTP agent API, which serve the same operations) an agent may use,
 * by group: `coordination` (locks, tasks, hand-offs, memory, heartbeat), `messaging` (send,
 * request, reply, inbox), `audit` (its own trail, check_guardrails, its profile), `skills`
 * (invoking installed skills' code, which acts on the outside world: level 0 may not).
 */
export const AGENT_TOOL_GROUPS = ["coordination", "messaging", "audit", "skills"] as const;
export type AgentToolGroup = (typeof AGENT_TOOL_GROUPS)[number];

/**
 * Governance per level (docs/governance.md "Trust levels"): `topicsPublish` / `topicsSubscribe` —
 * the relay lets the agent publish to / subscribe to topics at all (the team allowlist's topic
 * rules still decide which); `mayInvokeAgents` — invoke another agent (agent-to-agent calls);
 * `approvalRequired` — operations that wait for a person; `agentTools` — tool groups it may use.
 */
export interface GovernanceTrustRules {
  topicsPublish: boolean;
  topicsSubscribe: boolean;
  mayInvokeAgents: boolean;
  approvalRequired: readonly GatedOperation[];
  agentTools: readonly AgentToolGroup[];
}

/**
 * `messagesPerMinute` is the relay's sustained rate per agent (send, broadcast, request, reply,
 * publish); `messageBurst` is how many it may send at once before that rate applies (token bucket).
 */
export const TRUST_LEVELS: Record<
  TrustLevel,
  { label: string; description: string; messagesPerMinute: number; messageBurst: number; mayBroadcast: boolean } & EgressTrustLimits &
    GovernanceTrustRules
> = {
  0: {
    label: "Sandboxed",
    description: "Talks only to allowlisted peers; every external action needs approval.",
    messagesPerMinute: 30,
    messageBurst: 10,
    mayBroadcast: false,
    egressMethods: [],
    egressRequestsPerMinute: 30,
    egressBurst: 5,
    egressConcurrency: 2,
    topicsPublish: false,
    topicsSubscribe: true,
    mayInvokeAgents: false,
    approvalRequired: ["egress_read", "egress_write", "guardrail_finding", "agent_invocation"],
    agentTools: ["coordination", "messaging", "audit"],
  },
  1: {
    label: "Supervised",
    description: "Allowlisted peers; read-only egress; writes need approval.",
    messagesPerMinute: 120,
    messageBurst: 20,
    mayBroadcast: false,
    egressMethods: READ_METHODS,
    egressRequestsPerMinute: 120,
    egressBurst: 20,
    egressConcurrency: 4,
    topicsPublish: true,
    topicsSubscribe: true,
    mayInvokeAgents: false,
    approvalRequired: ["egress_write", "guardrail_finding", "agent_invocation"],
    agentTools: ["coordination", "messaging", "audit", "skills"],
  },
  2: {
    label: "Standard",
    description: "Allowlisted peers and egress; destructive actions need approval.",
    messagesPerMinute: 600,
    messageBurst: 100,
    mayBroadcast: true,
    egressMethods: ALL_METHODS,
    egressRequestsPerMinute: 600,
    egressBurst: 60,
    egressConcurrency: 16,
    topicsPublish: true,
    topicsSubscribe: true,
    mayInvokeAgents: true,
    approvalRequired: ["guardrail_finding"],
    agentTools: ["coordination", "messaging", "audit", "skills"],
  },
  3: {
    label: "Trusted",
    description: "Acts without approval inside its allowlists.",
    messagesPerMinute: 1200,
    messageBurst: 200,
    mayBroadcast: true,
    egressMethods: ALL_METHODS,
    egressRequestsPerMinute: 1200,
    egressBurst: 120,
    egressConcurrency: 32,
    topicsPublish: true,
    topicsSubscribe: true,
    mayInvokeAgents: true,
    approvalRequired: [],
    agentTools: ["coordination", "messaging", "audit", "skills"],
  },
  4: {
    label: "Autonomous",
    description: "Highest limits; still bound by allowlists and audited.",
    messagesPerMinute: 3000,
    messageBurst: 500,
    mayBroadcast: true,
    egressMethods: ALL_METHODS,
    egressRequestsPerMinute: 3000,
    egressBurst: 300,
    egressConcurrency: 64,
    topicsPublish: true,
    topicsSubscribe: true,
    mayInvokeAgents: true,
    approvalRequired: [],
    agentTools: ["coordination", "messaging", "audit", "skills"],
  },
};
export const DEFAULT_TRUST_LEVEL: TrustLevel = 1;

export type TrustLevelRow = (typeof TRUST_LEVELS)[TrustLevel];
/** Every level, in order (for pickers). */
export const TRUST_LEVEL_VALUES = Object.keys(TRUST_LEVELS).map(Number) as TrustLevel[];

/** A number from outside (a D1 row, an API answer, a stored member) as a trust level, or null if it is none. */
export function asTrustLevel(value: number): TrustLevel | null {
  return Number.isInteger(value) && value in TRUST_LEVELS ? (value as TrustLevel) : null;
}

/** The table's row for a value, or null if the value is not a level (for display: show it as unknown). */
export function trustLevelInfo(value: number): TrustLevelRow | null {
  const level = asTrustLevel(value);
  return level === null ? null : TRUST_LEVELS[level]!;
}

/**
 * What a level may do, for enforcement (rate limits, broadcast right): a value that is not a level
 * gets level 0's row — the most restrictive — so a corrupt or future value fails closed.
 */
export function trustLimits(value: number): TrustLevelRow {
  return trustLevelInfo(value) ?? TRUST_LEVELS[0]!;
}

/**
 * Coordination (locks, tasks, hand-offs, memory; docs/coordination.md): what an agent of each
 * level may do in its team's shared state. Read only through `mayCoordinate`
 * (workers/shared/coordination/policy.ts), the one place that answers "may this agent do this?".
 * `createTasks`: create tasks and start nothing else; `teamMemoryWrite`: write team-scoped memory;
 * `memoryQuotaBytes`: the agent's private memory; `maxHeldLocks`: locks held at once.
 */
export const COORDINATION_TRUST: Record<
  TrustLevel,
  { maxHeldLocks: number; createTasks: boolean; teamMemoryWrite: boolean; memoryQuotaBytes: number }
> = {
  0: { maxHeldLocks: 2, createTasks: false, teamMemoryWrite: false, memoryQuotaBytes: 256 * 1024 },
  1: { maxHeldLocks: 5, createTasks: true, teamMemoryWrite: true, memoryQuotaBytes: 1024 * 1024 },
  2: { maxHeldLocks: 20, createTasks: true, teamMemoryWrite: true, memoryQuotaBytes: 4 * 1024 * 1024 },
  3: { maxHeldLocks: 50, createTasks: true, teamMemoryWrite: true, memoryQuotaBytes: 8 * 1024 * 1024 },
  4: { maxHeldLocks: 100, createTasks: true, teamMemoryWrite: true, memoryQuotaBytes: 16 * 1024 * 1024 },
};

/**
 * Guardrails (docs/governance.md): `guardrailApprovals` — a guardrail finding whose tenant-policy
 * action is `require_approval` waits for a person at levels 0–2; at levels 3–4 the agent acts
 * without approval and the finding is logged. `block` blocks at every level. Read only through
 * `governanceLimits`, by the guardrail decision (workers/shared/guardrails/policy.ts).
 */
export const GOVERNANCE_TRUST: Record<TrustLevel, { guardrailApprovals: boolean }> = {
  0: { guardrailApprovals: true },
  1: { guardrailApprovals: true },
  2: { guardrailApprovals: true },
  3: { guardrailApprovals: false },
  4: { guardrailApprovals: false },
};

/** The governance row for `trust`; an out-of-range level gets level 0's. */
export function governanceLimits(trust: TrustLevel) {
  return (GOVERNANCE_TRUST[trust] ?? GOVERNANCE_TRUST[0])!;
}

/** May an agent of this trust level invoke another agent? (Agent-to-agent calls read this; out-of-range values fail closed.) */
export function mayInvokeAgents(trust: number): boolean {
  return trustLimits(trust).mayInvokeAgents;
}

/** May an agent of this trust level use this group of agent tools (MCP and the HTTP agent API)? */
export function mayUseAgentTools(trust: number, group: AgentToolGroup): boolean {
  return trustLimits(trust).agentTools.includes(group);
}

/** Does this operation wait for a person's approval at this trust level? */
export function needsApproval(trust: number, operation: GatedOperation): boolean {
  return trustLimits(trust).approvalRequired.includes(operation);
}
