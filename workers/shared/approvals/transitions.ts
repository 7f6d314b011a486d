/**
 * The approval's state machine, pure (no I/O, no clock: `now` is passed in). The ApprovalDesk
 * Durable Object applies what these functions return — store, audit, notify — in one place
 * (durable-objects/approval-desk/approval-desk.ts), the way the relay keeps judge.ts pure.
 *
 *   pending ──approve──▶ approved ──use (egress retry / relay delivery)──▶ executed
 *      │                    │
 *      ├──deny──▶ denied    └──use window over / expireAll──▶ expired
 *      └──ttl over / expireAll──▶ expired
 */
import {
  APPROVAL_TTL_MS,
  APPROVED_USE_WINDOW_MS,
  type ApprovalKind,
  type ApprovalStatus,
  type ApprovalSubject,
  type ApprovalTrigger,
} from "../schemas/approvals";

/** What the desk stores (times in ms). */
export interface ApprovalRecord {
  id: string;
  tenantId: string;
  kind: ApprovalKind;
  agentId: string;
  teamId: string | null;
  summary: string;
  subject: ApprovalSubject;
  trigger: ApprovalTrigger;
  /** What a use must match exactly: kind, agent, method, URL, body digest (egress) or recipient and digest (relay). */
  fingerprint: string;
  status: ApprovalStatus;
  decidedBy: string | null;
  reason: string | null;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  executedAt: number | null;
}

export type NewApproval = Omit<ApprovalRecord, "status" | "decidedBy" | "reason" | "createdAt" | "expiresAt" | "decidedAt" | "executedAt">;

export function fingerprintOf(
  kind: ApprovalKind,
  agentId: string,
  subject: Pick<ApprovalSubject, "method" | "url" | "to" | "digest">,
): string {
  return [kind, agentId, subject.method ?? "", subject.url ?? "", subject.to ?? "", subject.digest].join("\n");
}

export function opened(input: NewApproval, now: number): ApprovalRecord {
  return {
    ...input,
    status: "pending",
    decidedBy: null,
    reason: null,
    createdAt: now,
    expiresAt: now + APPROVAL_TTL_MS[input.kind],
    decidedAt: null,
    executedAt: null,
  };
}

/** Still waiting for a person (a pending approval whose time is over is expired, whether or not the alarm ran yet). */
export function isPending(a: ApprovalRecord, now: number): boolean {
  return a.status === "pending" && a.expiresAt > now;
}

/** Past its time and not yet marked: pending past its TTL, or an approved egress call never used within its window. */
export function isDue(a: ApprovalRecord, now: number): boolean {
  return (a.status === "pending" || a.status === "approved") && a.expiresAt <= now;
}

export type Decision = { decision: "approve" | "deny"; by: string; reason: string | null };
export type DecideResult =
  | { ok: true; next: ApprovalRecord }
  | { ok: false; code: "conflict"; status: ApprovalStatus; expire: ApprovalRecord | null };

/** A person's decision: only a pending approval can be decided, once. */
export function decide(a: ApprovalRecord, d: Decision, now: number): DecideResult {
  if (isDue(a, now)) return { ok: false, code: "conflict", status: "expired", expire: expired(a, "ttl", now) };
  if (a.status !== "pending") return { ok: false, code: "conflict", status: a.status, expire: null };
  const base = { ...a, decidedBy: d.by, reason: d.reason, decidedAt: now };
  if (d.decision === "deny") return { ok: true, next: { ...base, status: "denied" } };
  // An approved egress call waits for the agent's retry, for a bounded time; a relay message is delivered at once by the relay.
  return {
    ok: true,
    next: { ...base, status: "approved", expiresAt: a.kind === "egress_call" ? now + APPROVED_USE_WINDOW_MS : a.expiresAt },
  };
}

export function expired(a: ApprovalRecord, reason: string, now: number, by = "system"): ApprovalRecord {
  return {
    ...a,
    status: "expired",
    reason,
    decidedBy: a.decidedBy ?? by,
    decidedAt: a.decidedAt ?? now,
    expiresAt: Math.min(a.expiresAt, now),
  };
}

export type UseRefusal = "approval_pending" | "approval_denied" | "approval_expired" | "approval_not_usable" | "not_found";
export type UseResult =
  | { ok: true; next: ApprovalRecord }
  | { ok: false; code: UseRefusal; record: ApprovalRecord | null; expire: ApprovalRecord | null };

/**
 * An agent uses an approval (an egress retry with `X-Switchboard-Approval`): only its own, only
 * for exactly the operation that was approved, only once.
 */
export function use(a: ApprovalRecord | null, who: { agentId: string; fingerprint: string }, now: number): UseResult {
  // Someone else's approval id says nothing about it: the same answer as an unknown one.
  if (!a || a.agentId !== who.agentId) return { ok: false, code: "not_found", record: null, expire: null };
  if (isDue(a, now)) return { ok: false, code: "approval_expired", record: a, expire: expired(a, "ttl", now) };
  switch (a.status) {
    case "pending":
      return { ok: false, code: "approval_pending", record: a, expire: null };
    case "denied":
      return { ok: false, code: "approval_denied", record: a, expire: null };
    case "expired":
      return { ok: false, code: "approval_expired", record: a, expire: null };
    case "executed":
      return { ok: false, code: "approval_not_usable", record: a, expire: null };
    case "approved":
      if (a.fingerprint !== who.fingerprint) return { ok: false, code: "approval_not_usable", record: a, expire: null };
      return { ok: true, next: { ...a, status: "executed", executedAt: now } };
  }
}

/** A held relay message delivered after approval. */
export function executed(a: ApprovalRecord, now: number): ApprovalRecord {
  return { ...a, status: "executed", executedAt: now };
}
