/**
 * The dry-run's reading of the audit trail: which recorded events are decisions Cedar takes part
 * in, the question each one asked, and what was decided. Pure.
 *
 * What can change under a draft set, given that Cedar only ever narrows native policy:
 * - recorded allowed (an egress call, a skill tool call that ran) → the draft may deny it;
 * - recorded denied BY CEDAR (`cedar_denied`, `policy_denied`) → native had allowed it, so the
 *   draft may allow it;
 * - recorded denied by anything else (no rule, rate limit, guardrail…) → stays denied.
 */
import type { LedgerEntry } from "../audit/chain";
import type { PolicyRequest } from "./request";

export interface RecordedDecision {
  seq: number;
  at: number;
  auditAction: string;
  agentId: string;
  summary: string;
  recorded: "allow" | "deny";
  /** Denied by the tenant's Cedar set at the time (the only denials a draft can turn into allows). */
  deniedByCedar: boolean;
  /** The question, minus the principal's attributes (filled in from the agent as it is now). */
  question: Omit<PolicyRequest, "principal">;
}

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

export function recordedDecision(entry: LedgerEntry): RecordedDecision | null {
  if (entry.actor.type !== "agent" || !entry.actor.id) return null;
  const d = (entry.details ?? {}) as Record<string, unknown>;
  const base = { seq: entry.seq, at: entry.at, auditAction: entry.action, agentId: entry.actor.id };
  if (entry.action === "egress.request_allowed" || entry.action === "egress.request_denied") {
    const host = str(d.host);
    const method = str(d.method);
    if (!host || !method) return null;
    const denied = entry.action === "egress.request_denied";
    return {
      ...base,
      summary: `${method} ${str(d.scheme) ?? "https"}://${host}${str(d.path) ?? "/"}`,
      recorded: denied ? "deny" : "allow",
      deniedByCedar: denied && d.reason === "cedar_denied",
      question: {
        action: "egress.call",
        resource: { type: "Domain", id: host.toLowerCase() },
        context: { method, scheme: str(d.scheme) ?? "https", path: str(d.path) ?? "/", skill: str(d.skill) ?? "" },
      },
    };
  }
  if (entry.action === "skill.invoked") {
    const skill = str(d.skill);
    const tool = str(d.tool);
    if (!skill || !tool) return null;
    const denied = entry.outcome === "denied";
    return {
      ...base,
      summary: `${skill}.${tool} (${str(d.via) ?? "http"})`,
      recorded: denied ? "deny" : "allow",
      deniedByCedar: denied && d.error === "policy_denied",
      question: {
        action: "skill.invoke",
        resource: { type: "Skill", id: skill },
        context: { tool, version: str(d.version) ?? "", via: str(d.via) ?? "http" },
      },
    };
  }
  return null;
}
