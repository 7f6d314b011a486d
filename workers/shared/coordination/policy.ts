/**
 * The one place that answers "may this caller do this?" for every coordination operation
 * (docs/coordination.md "Who may do what"). Pure: the TeamCoordinator calls it with what it knows
 * (the caller, the team's compiled allowlist, counts) and records the decision — allowed or
 * denied — in the audit trail. Trust limits come from COORDINATION_TRUST (trust-levels.ts).
 *
 * Governance hook: approvals and guardrails (a later issue) plug in here and in guardrails.ts;
 * today a decision is the allowlist plus the trust table plus the person's permissions.
 */
import type { AgentTemplate } from "../agent-templates";
import type { ErrorCode } from "../errors/catalogue";
import type { CompiledAllowlist } from "../relay/allowlist";
import { COORDINATION_TRUST, type TrustLevel } from "../trust-levels";
import type { CoordActor } from "./schemas";

/** An agent (agent token; role and trust as they are now in D1) or a person/API key acting through the API or dashboard. */
export type Caller =
  | { kind: "agent"; agentId: string; name: string | null; role: AgentTemplate; trust: TrustLevel }
  | { kind: "person"; actor: CoordActor /** holds coordination:admin (force-release, apply, cancel). */; admin: boolean };

export type CoordinationAction =
  | "lock.acquire"
  | "lock.release"
  | "lock.renew"
  | "lock.force_release"
  | "task.create"
  | "task.claim"
  | "task.complete"
  | "task.fail"
  | "task.cancel"
  | "handoff.create"
  | "handoff.read"
  | "memory.write"
  | "memory.read"
  | "memory.delete"
  | "presence.heartbeat"
  | "workflow.start";

export interface PolicyContext {
  /** The team's allowlist, compiled; required for actions that direct work or context at another agent. */
  allowlist?: CompiledAllowlist;
  /** The agent the action is aimed at (assignee, hand-off recipient), with its role. */
  target?: { agentId: string; role: AgentTemplate } | null;
  /** For task.claim: the task's creator when it is an agent (the claim is work sent from creator to claimer). */
  from?: { agentId: string; role: AgentTemplate } | null;
  /** For lock.acquire: locks the caller holds now. */
  heldLocks?: number;
  /** For memory.write: "team" or "agent". */
  scope?: "agent" | "team";
}

export type Decision = { ok: true } | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> };

const ALLOW: Decision = { ok: true };
const deny = (code: ErrorCode, message: string, details?: Record<string, unknown>): Decision => ({ ok: false, code, message, details });

export function mayCoordinate(caller: Caller, action: CoordinationAction, ctx: PolicyContext = {}): Decision {
  if (caller.kind === "person") {
    // People reach this only through routes that already checked teams:write (or teams:read for
    // reads); force-release is the admin part.
    if (action === "lock.force_release" && !caller.admin)
      return deny("forbidden", "Force-releasing a lock needs the coordination:admin permission (admins and owners).", {
        permission: "coordination:admin",
      });
    return ALLOW;
  }
  const limits = coordinationLimits(caller.trust);
  const me = { agentId: caller.agentId, role: caller.role };
  switch (action) {
    case "lock.force_release":
    case "task.cancel":
    case "workflow.start":
      return deny(
        "forbidden",
        "Only people with the coordination:admin permission (or teams:write for workflows) may do this; agents may not.",
        { action },
      );
    case "lock.acquire":
      if ((ctx.heldLocks ?? 0) >= limits.maxHeldLocks)
        return deny("not_allowed", `Trust level ${caller.trust} may hold ${limits.maxHeldLocks} locks at once.`, {
          trustLevel: caller.trust,
          maxHeldLocks: limits.maxHeldLocks,
        });
      return ALLOW;
    case "task.create":
      if (!limits.createTasks)
        return deny("not_allowed", `Trust level ${caller.trust} may not create tasks.`, { trustLevel: caller.trust });
      if (ctx.target && ctx.target.agentId !== caller.agentId && !ctx.allowlist?.allows(me, ctx.target)) {
        return deny("not_allowed", "The team's allowlist does not let this agent assign work to that agent.", { to: ctx.target.agentId });
      }
      return ALLOW;
    case "task.claim":
      if (ctx.from && ctx.from.agentId !== caller.agentId && !ctx.allowlist?.allows(ctx.from, me)) {
        return deny("not_allowed", "The team's allowlist does not let the task's creator send work to this agent.", {
          from: ctx.from.agentId,
        });
      }
      return ALLOW;
    case "handoff.create":
      if (!ctx.target) return deny("not_found", "No such agent in this team.");
      if (ctx.target.agentId !== caller.agentId && !ctx.allowlist?.allows(me, ctx.target)) {
        return deny("not_allowed", "The team's allowlist does not let this agent hand off to that agent.", { to: ctx.target.agentId });
      }
      return ALLOW;
    case "memory.write":
      if (ctx.scope === "team" && !limits.teamMemoryWrite)
        return deny("not_allowed", `Trust level ${caller.trust} may not write team memory.`, { trustLevel: caller.trust });
      return ALLOW;
    default:
      return ALLOW;
  }
}

/** The agent's private memory quota. */
export function memoryQuotaBytes(trust: TrustLevel): number {
  return coordinationLimits(trust).memoryQuotaBytes;
}

/** The trust table's row for `trust`; an out-of-range level (it cannot pass TrustLevelSchema) gets level 0's. */
function coordinationLimits(trust: TrustLevel) {
  return (COORDINATION_TRUST[trust] ?? COORDINATION_TRUST[0])!;
}
