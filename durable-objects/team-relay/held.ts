/**
 * Governance on the relay (docs/governance.md#approvals): the tenant's guardrail policy (read from
 * D1, kept for GUARDRAIL_TTL_MS like the egress gate's state), the team's supervised pairs (every
 * direct message between the two waits for a person), and the messages held for approval.
 *
 * A held message is a row here, not in the log: it is not delivered, not counted in the recipient's
 * queue and has no seq until a person approves it. The tenant's ApprovalDesk tells the relay the
 * decision (`TeamRelay.approvalDecided`): approved → stored and delivered exactly as if it had just
 * been sent (`accepted` with the approval id to the sender); denied or expired → the sender gets a
 * `denied` frame naming the approval. Tables are created idempotently outside the versioned
 * migrations (schema.ts), so this module's storage stays its own.
 */
import { APPROVAL_TTL_MS, type ApprovalKind, type ApprovalTrigger } from "../../workers/shared/schemas/approvals";
import { fingerprintOf } from "../../workers/shared/approvals/transitions";
import { subjectOf } from "../../workers/shared/approvals/subject";
import { DEFAULT_GUARDRAIL_POLICY, type GuardrailPolicy } from "../../workers/shared/guardrails/policy";
import { loadGuardrailPolicy } from "../../workers/shared/guardrails/tenant-policy";
import { log } from "../../workers/shared/observability/log";
import { DEFAULT_TTL_SECONDS, type ClientFrame } from "../../workers/shared/relay/protocol";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import { stageAudit } from "./audit-staging";
import { sendText, type AgentAttachment } from "./connections";
import { RpcAnswer, storeMessage } from "./effects";
import type { Outgoing } from "./judge";
import type { RelayCore } from "./relay-core";
import { readMeta, writeMeta } from "./schema";

/** How long the relay trusts its copy of the tenant's guardrail policy (the egress gate's state TTL). */
export const GUARDRAIL_TTL_MS = 60_000;
/** Pairs per team: every message between them is checked against this list. */
export const MAX_SUPERVISED_PAIRS = 100;

export type HeldFrameType = Extract<ClientFrame, { type: "send" | "request" }>;
export type ApprovalNotice = { teamId: string; approvalId: string; status: string; reason: string | null; decidedBy: string | null };
export type SupervisedPair = { a: string; b: string };

type HeldRow = {
  approval_id: string;
  sender: string;
  client_id: string;
  recipient: string;
  trust: number;
  frame: string;
};

const pairKey = (a: string, b: string) => (a < b ? `${a}\n${b}` : `${b}\n${a}`);

export class RelayGovernance {
  guardrails: GuardrailPolicy = DEFAULT_GUARDRAIL_POLICY;
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  private pairs: Set<string>;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS held (
      approval_id TEXT PRIMARY KEY, sender TEXT NOT NULL, client_id TEXT NOT NULL, recipient TEXT NOT NULL,
      trust INTEGER NOT NULL, frame TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS held_client ON held (sender, client_id)");
    this.pairs = new Set(this.supervisedPairs().map((p) => pairKey(p.a, p.b)));
  }

  // ---- the guardrail policy

  /** `wait`: never loaded (the frame must wait for it); `refresh`: stale (refresh in the background); null: fresh. */
  freshness(now: number): "wait" | "refresh" | null {
    if (this.loadedAt === 0) return "wait";
    return now - this.loadedAt > GUARDRAIL_TTL_MS ? "refresh" : null;
  }

  load(env: Pick<Env, "DB">, tenantId: string): Promise<void> {
    this.loading ??= loadGuardrailPolicy(env, tenantId)
      .then((policy) => {
        this.guardrails = policy;
      })
      .catch((err) => log.error("relay guardrail policy load failed", { tenantId, error: String(err) }))
      .finally(() => {
        // A failed load keeps the last policy (the default at first) and retries after the TTL.
        this.loadedAt = Date.now();
        this.loading = null;
      });
    return this.loading;
  }

  // ---- supervised pairs

  supervised(a: string, b: string): boolean {
    return this.pairs.size > 0 && this.pairs.has(pairKey(a, b));
  }

  supervisedPairs(): SupervisedPair[] {
    const raw = readMeta(this.sql, "supervised_pairs");
    return raw ? (JSON.parse(raw) as SupervisedPair[]) : [];
  }

  setSupervisedPairs(pairs: SupervisedPair[]): SupervisedPair[] {
    const unique = new Map<string, SupervisedPair>();
    for (const p of pairs) if (p.a !== p.b) unique.set(pairKey(p.a, p.b), p.a < p.b ? p : { a: p.b, b: p.a });
    const list = [...unique.values()];
    writeMeta(this.sql, "supervised_pairs", JSON.stringify(list));
    this.pairs = new Set(unique.keys());
    return list;
  }

  // ---- held messages

  heldApproval(sender: string, clientId: string): string | null {
    return (
      this.sql
        .exec<{ approval_id: string }>("SELECT approval_id FROM held WHERE sender = ? AND client_id = ?", sender, clientId)
        .toArray()[0]?.approval_id ?? null
    );
  }

  hold(row: HeldRow, now: number): void {
    this.sql.exec(
      "INSERT INTO held (approval_id, sender, client_id, recipient, trust, frame, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      row.approval_id,
      row.sender,
      row.client_id,
      row.recipient,
      row.trust,
      row.frame,
      now,
    );
  }

  /** Removes and returns the held message of an approval (null if none: already released). */
  take(approvalId: string): HeldRow | null {
    const row = this.sql.exec<HeldRow>("SELECT * FROM held WHERE approval_id = ?", approvalId).toArray()[0] ?? null;
    if (row) this.sql.exec("DELETE FROM held WHERE approval_id = ?", approvalId);
    return row;
  }
}

/** Opens the approval for a held message in the tenant's desk (after the `held` frame went out). */
export async function openRelayApproval(
  core: RelayCore,
  held: { approvalId: string; sender: string; frame: HeldFrameType; kind: ApprovalKind; trigger: ApprovalTrigger },
): Promise<void> {
  const body = new TextEncoder().encode(JSON.stringify(held.frame.body));
  const subject = await subjectOf(body, { to: held.frame.to });
  await core.env.APPROVAL_DESK.get(core.env.APPROVAL_DESK.idFromName(core.tenantId)).request({
    id: held.approvalId,
    tenantId: core.tenantId,
    kind: held.kind,
    agentId: held.sender,
    teamId: core.teamId,
    summary: `${held.frame.type} to ${held.frame.to}`,
    subject,
    trigger: held.trigger,
    // One approval per held message: the client id is part of what is approved.
    fingerprint: fingerprintOf(held.kind, held.sender, { to: `${held.frame.to}\n${held.frame.id}`, digest: subject.digest }),
  });
}

export const heldExpiresAt = (kind: ApprovalKind, now: number) => now + APPROVAL_TTL_MS[kind];

/**
 * The desk's decision reaches the relay: deliver the held message (approved) or refuse it (denied,
 * expired). Idempotent: a notice for a message already released does nothing.
 */
export function releaseHeld(core: RelayCore, notice: ApprovalNotice): { delivered: number | null } {
  const row = core.governance.take(notice.approvalId);
  if (!row) return { delivered: null };
  const now = Date.now();
  core.now = now;
  const frame = JSON.parse(row.frame) as HeldFrameType;
  const toSender = (text: string) => {
    const sockets = core.connections.live(row.sender);
    if (sockets) for (const s of sockets) sendText(s, text);
  };
  const recipient = core.member(row.recipient);
  if (notice.status === "approved" && recipient && !recipient.suspended) {
    const out: Outgoing = {
      kind: frame.type === "send" ? "direct" : "request",
      recipients: [row.recipient],
      skipped: [],
      // Its life starts now: the time it waited for a person does not eat into its TTL or timeout.
      expiresAt: now + ("ttlSeconds" in frame && frame.ttlSeconds !== undefined ? frame.ttlSeconds : DEFAULT_TTL_SECONDS) * 1000,
      ...(frame.type === "request" ? { deadline: now + frame.timeoutMs } : {}),
    };
    const answer = new RpcAnswer();
    const sender = { kind: "agent", agentId: row.sender, tenantId: core.tenantId, trust: row.trust as TrustLevel } as AgentAttachment;
    storeMessage(core, answer, sender, frame, out);
    for (const f of answer.frames) toSender(JSON.stringify({ ...f, approvalId: notice.approvalId }));
    return { delivered: core.head };
  }
  const code = notice.status === "denied" ? "approval_denied" : "approval_expired";
  const reason =
    notice.status === "approved"
      ? `Approved, but ${row.recipient} is no longer a reachable member of the team.`
      : notice.status === "denied"
        ? `A person denied approval ${notice.approvalId}${notice.reason ? `: ${notice.reason}` : "."}`
        : `Approval ${notice.approvalId} expired${notice.reason ? `: ${notice.reason}` : "."}`;
  stageAudit(core.sql, {
    tenantId: core.tenantId,
    teamId: core.teamId,
    agentId: row.sender,
    action: "relay.message_denied",
    outcome: "denied",
    target: { type: "agent", id: row.recipient },
    details: { clientId: row.client_id, code, reason, approvalId: notice.approvalId, kind: frame.type === "send" ? "direct" : "request" },
    at: now,
  });
  toSender(JSON.stringify({ type: "denied", id: row.client_id, code, reason, approvalId: notice.approvalId }));
  core.wakeAt(now + core.limits.auditFlushDelayMs);
  return { delivered: null };
}
