/**
 * The audit events of the egress proxy: `egress.request_allowed` (after the call, with its
 * outcome), `egress.request_denied` (with the reason code; the `egress-denied` alert template
 * matches it) and `secret.used` (one per injected credential: every use of a secret is audited).
 * Metadata only: method, scheme, host, path (never the query, which may carry tokens), status,
 * sizes, the rule and the secret's id and version — never a header value, a body or a secret.
 */
import type { StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";

export interface CallContext {
  callId: string;
  tenantId: string;
  agentId: string;
  method: string;
  url: string;
  skill: string | null;
  run: string | null;
  via: string;
  mode: "mock" | "live";
  droppedHeaders: string[];
}

function target(url: string): { scheme: string | null; host: string | null; path: string | null } {
  try {
    const u = new URL(url);
    return { scheme: u.protocol.replace(/:$/, ""), host: u.hostname, path: u.pathname };
  } catch {
    return { scheme: null, host: null, path: null };
  }
}

function base(call: CallContext, at: number): Omit<StagedAuditEvent, "action" | "details" | "severity" | "outcome" | "target"> {
  return {
    id: newId("audit", at),
    at,
    tenantId: call.tenantId,
    actor: { type: "agent", id: call.agentId, name: null },
    ip: null,
    userAgent: null,
  };
}

export function deniedEvent(
  call: CallContext,
  at: number,
  denial: { reason: string; detail: string; ruleId?: string | null; hop?: number },
): StagedAuditEvent {
  const t = target(call.url);
  return {
    ...base(call, at),
    action: "egress.request_denied",
    target: t.host ? { type: "host", id: t.host } : null,
    severity: "warning",
    outcome: "denied",
    details: {
      callId: call.callId,
      method: call.method,
      ...t,
      reason: denial.reason,
      detail: denial.detail,
      ruleId: denial.ruleId ?? null,
      skill: call.skill,
      run: call.run,
      via: call.via,
      mode: call.mode,
      ...(denial.hop ? { hop: denial.hop } : {}),
      droppedHeaders: call.droppedHeaders,
    },
  };
}

export interface AllowedOutcome {
  ruleId: string;
  reason: string;
  status: number | null;
  bytesOut: number;
  bytesIn: number;
  durationMs: number;
  redirects: string[];
  redactions: number;
  secrets: Array<{ secretId: string; version: number }>;
  error: string | null;
  mockedBy: string | null;
}

export function allowedEvent(call: CallContext, at: number, o: AllowedOutcome): StagedAuditEvent {
  const t = target(call.url);
  return {
    ...base(call, at),
    action: "egress.request_allowed",
    target: t.host ? { type: "host", id: t.host } : null,
    severity: "info",
    outcome: o.error ? "failure" : "success",
    details: {
      callId: call.callId,
      method: call.method,
      ...t,
      reason: o.reason,
      ruleId: o.ruleId,
      skill: call.skill,
      run: call.run,
      via: call.via,
      mode: call.mode,
      status: o.status,
      bytesOut: o.bytesOut,
      bytesIn: o.bytesIn,
      durationMs: o.durationMs,
      redirects: o.redirects,
      redactions: o.redactions,
      secretIds: o.secrets.map((s) => s.secretId),
      error: o.error,
      mockedBy: o.mockedBy,
      droppedHeaders: call.droppedHeaders,
    },
  };
}

export function secretUsedEvent(
  call: CallContext,
  at: number,
  secret: { secretId: string; version: number; host: string },
): StagedAuditEvent {
  return {
    ...base(call, at),
    action: "secret.used",
    target: { type: "secret", id: secret.secretId },
    severity: "info",
    outcome: "success",
    details: { callId: call.callId, version: secret.version, host: secret.host, method: call.method, skill: call.skill, run: call.run },
  };
}
