/**
 * EgressGate: one Durable Object per agent (`EGRESS_GATE.idFromName(agentId)`), the single
 * writer of everything per-agent about outbound calls. The egress Worker asks it to `admit` a
 * call (status, policy, trust level, rate and concurrency limits, mode, credential), to check each
 * redirect `hop`, and to `release` the call with its outcome; the API asks it to `invalidate`
 * after any change that affects the agent's policy, and to `evaluate` a URL for "test a URL".
 *
 * Where the work happens: the decision is `decideEgress` (pure, shared); effects — limits, audit
 * staging, credential opening — are applied here, in `admit`/`hop`/`release` only. The HTTP call
 * itself is made by the egress Worker, not here: an object waiting on an upstream would be billed
 * for the wait and would serialise the agent's calls through one isolate.
 *
 * In memory (rebuilt on demand, lost on eviction without harm): the loaded state, the token
 * bucket (a new object starts full — at worst one extra burst after an eviction), the in-flight
 * tickets (a call whose release never comes expires after the call timeout and is audited as such).
 * In SQLite: staged audit events and usage totals (outbox.ts), so nothing audited is lost.
 */
import { DurableObject } from "cloudflare:workers";
import type { StagedAuditEvent } from "../../workers/shared/audit/emit";
import { budgetExceeded, checkBudget } from "../../workers/shared/billing/usage";
import { log } from "../../workers/shared/observability/log";
import { newId } from "../../workers/shared/crypto/ids";
import { EGRESS_LIMITS } from "../../workers/shared/egress/limits";
import { egressGuardrails } from "../../workers/shared/egress/guardrails";
import { decideEgress, type Verdict } from "../../workers/shared/egress/policy";
import { guardrailEvent } from "../../workers/shared/guardrails/events";
import type { GuardrailDecision } from "../../workers/shared/guardrails/policy";
import type { DenyReason } from "../../workers/shared/egress/reasons";
import { TRUST_LEVELS } from "../../workers/shared/trust-levels";
import { egressPolicyRequest } from "../../workers/shared/policy/request";
import { askPolicy, denialDetail, policyBinding } from "../../workers/shared/policy/tenant-policy";
import { unwrap } from "../../workers/shared/vault/data-keys";
import { matchCredential, openCredential, type Injection } from "./credentials";
import { allowedEvent, deniedEvent, secretUsedEvent, type AllowedOutcome, type CallContext } from "./events";
import { findMock, type MockAnswer } from "./mocks";
import { createOutboxTables, FLUSH_DELAY_MS, flushBatch, flushUsage, stage, stagedCount } from "./outbox";
import { loadGateState, STATE_TTL_MS, type GateState } from "./state";
import { approvalDenial, approvalDesk, egressApproval, type ApprovalRef } from "./approvals";

/** How long the gate trusts the UsageMeter's last budget answer (docs/billing.md). */
const BUDGET_TTL_MS = 10_000;

export interface GateCall {
  agentId: string;
  /** The tenant the caller claims (token `tid`, or the skill runtime's props): must be the agent's. */
  tenantId: string;
  method: string;
  url: string;
  skill: string | null;
  /** The skill version the calling code is (the skill runtime's props): must be the installed one. */
  skillVersion?: string | null;
  run: string | null;
  via: "envelope" | "forward" | "outbound";
  droppedHeaders: string[];
  bytesOut: number;
  /** Hosts the proxy never calls (its own, the API's, the dashboard's). */
  platformHosts: string[];
  /** The request body (as sent, ≤ the proxy's request limit) and its content type, for the guardrails. */
  body?: Uint8Array | null;
  contentType?: string | null;
  /** The `X-Switchboard-Approval` header: the approval a person gave for exactly this call (docs/governance.md#approvals). */
  approvalId?: string | null;
}

export type GateDenial = {
  ok: false;
  reason: DenyReason | "wrong_tenant";
  detail: string;
  retryAfterSeconds?: number;
  findings?: Array<{ ruleId: string; severity: string; action: string; reason: string }>;
  /** The approval the call waits for, or the one whose use was refused. */
  approval?: ApprovalRef;
};
export type Admission =
  | { ok: true; ticket: string; mode: "live"; url: string; injection: Injection | null }
  | { ok: true; ticket: string; mode: "mock"; url: string; mock: MockAnswer }
  | GateDenial;

export type HopCheck = { ok: true; url: string; injection: Injection | null } | GateDenial;

export interface CallOutcome {
  status: number | null;
  bytesIn: number;
  redirects: string[];
  redactions: number;
  error: string | null;
  /** A redirect hop the policy refused: the call ends as denied. */
  deniedHop?: { reason: DenyReason; detail: string; hop: number };
}

export type Evaluation =
  | {
      verdict: Omit<Extract<Verdict, { decision: "allow" }>, "url"> | Extract<Verdict, { decision: "deny" }>;
      mode: "mock" | "live";
      credential: { secretId: string; name: string } | null;
      trustLevel: number;
    }
  | {
      verdict: { decision: "deny"; reason: DenyReason | "wrong_tenant"; detail: string };
      mode: null;
      credential: null;
      trustLevel: number | null;
    };

interface Ticket {
  call: CallContext;
  verdict: Extract<Verdict, { decision: "allow" }>;
  startedAt: number;
  bytesOut: number;
  platformHosts: string[];
  secrets: Array<{ secretId: string; version: number; host: string }>;
  mockedBy: string | null;
}

/**
 * A call goes out only if the agent is live and, when a skill is involved — the call is made in the
 * skill's name, or only a skill's network permission allows it — that skill's install is live too.
 * Installing a skill in mock mode therefore never lets its hosts be reached for real.
 */
function modeOf(
  state: GateState,
  skill: GateState["skills"] extends Map<string, infer S> ? S | undefined : never,
  verdict: Verdict | null,
): "mock" | "live" {
  const via =
    skill ?? (verdict?.decision === "allow" && verdict.source.type === "skill" ? state.skills.get(verdict.source.skill) : undefined);
  return state.mode === "live" && (!via || via.mode === "live") ? "live" : "mock";
}

export class EgressGate extends DurableObject<Env> {
  private state: GateState | null = null;
  private loading: Promise<GateState | null> | null = null;
  private tokens: number | null = null;
  private refilledAt = 0;
  private readonly tickets = new Map<string, Ticket>();
  private dek: { id: string; key: Promise<CryptoKey> } | null = null;
  /** An alarm is set (memory only: after an eviction the first staged event sets it again, which is harmless). */
  private alarmPending = false;
  /** The agent's egress budget as the tenant's UsageMeter last judged it (docs/billing.md): asked at most every BUDGET_TTL_MS, not per call. */
  private budget: { refusal: string | null; at: number } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    createOutboxTables(ctx.storage.sql);
  }

  async admit(call: GateCall): Promise<Admission> {
    const now = Date.now();
    const state = await this.currentState(call.agentId, now);
    const context: CallContext = {
      callId: newId("egressCall", now),
      tenantId: state?.tenantId ?? call.tenantId,
      agentId: call.agentId,
      method: call.method.toUpperCase(),
      url: call.url,
      skill: call.skill,
      run: call.run,
      via: call.via,
      mode: state?.mode ?? "mock",
      droppedHeaders: call.droppedHeaders,
    };
    const refuse = (denial: GateDenial, ruleId?: string): GateDenial => {
      // A caller that is not this agent (no such agent, another tenant) gets no audit entry in anyone's trail.
      if (state && denial.reason !== "wrong_tenant") this.stageDenial(context, now, denial, call.bytesOut, ruleId);
      return denial;
    };
    if (!state || state.status === "deleted") return refuse({ ok: false, reason: "agent_deleted", detail: "the agent does not exist" });
    if (state.tenantId !== call.tenantId)
      return refuse({ ok: false, reason: "wrong_tenant", detail: "the caller's tenant is not the agent's" });
    if (state.status === "suspended") return refuse({ ok: false, reason: "agent_suspended", detail: "the agent is suspended" });
    if (state.safeMode !== null)
      return refuse({
        ok: false,
        reason: "safe_mode",
        detail: state.safeMode === state.tenantId ? "the tenant is in safe mode" : `team ${state.safeMode} is in safe mode`,
      });
    // Billing: a hard budget on egress calls refuses before anything else is spent (402 budget_exceeded).
    const overBudget = await this.budgetRefusal(state.tenantId, call.agentId, now);
    if (overBudget) return refuse({ ok: false, reason: "budget_exceeded", detail: overBudget });

    const skill = call.skill !== null ? state.skills.get(call.skill) : undefined;
    if (call.skill !== null && !skill)
      return refuse({ ok: false, reason: "skill_not_installed", detail: `skill ${call.skill} is not installed on this agent` });
    // Code of one version must not run with another version's permissions (an upgrade or a yank in between).
    if (skill && call.skillVersion && call.skillVersion !== skill.version)
      return refuse({
        ok: false,
        reason: "skill_not_installed",
        detail: `${skill.name}@${call.skillVersion} is not the installed version (${skill.version})`,
      });
    context.mode = modeOf(state, skill, null);
    const policy = skill ? skill.policy : state.policy;
    const target = { platformHosts: call.platformHosts };
    let verdict = decideEgress(policy, { method: call.method, url: call.url, trustLevel: state.trustLevel }, target);
    // The trust level's method list is the one egress refusal a person may lift (docs/governance.md#approvals).
    const trustGate = verdict.decision === "deny" && verdict.reason === "method_not_allowed_by_trust" ? verdict.detail : null;
    if (trustGate !== null)
      verdict = decideEgress(policy, { method: call.method, url: call.url, trustLevel: state.trustLevel, approved: true }, target);
    if (verdict.decision === "deny") return refuse({ ok: false, reason: verdict.reason, detail: verdict.detail }, verdict.ruleId);
    // Cedar (opted-in tenants only): an additional gate after the native policy — it can refuse, never grant.
    const cedarDenial = await this.cedarRefusal(state, call.method, verdict.url, call.skill);
    if (cedarDenial) return refuse(cedarDenial);
    // The guardrails read what the call DOES (method, URL, body): after the policy, before limits, so a refused call spends no token.
    const guard = egressGuardrails(state.guardrails, state.trustLevel, {
      method: context.method,
      url: verdict.url.href,
      body: call.body ?? null,
      contentType: call.contentType ?? null,
    });
    if (guard.decision.findings.length > 0) this.stageGuardrail(context, now, guard.decision);
    const findings = guard.decision.findings.map((f) => ({ ruleId: f.ruleId, severity: f.severity, action: f.action, reason: f.reason }));
    if (guard.refused && guard.reason === "guardrail_blocked")
      return refuse({ ok: false, reason: guard.reason, detail: guard.detail, findings });
    // A call that needs a person: without an approval id, open (or find) the approval and refuse with it;
    // with one, the approval is used after the limits below, when the call's slot is taken.
    let approvalToUse: { id: string; fingerprint: string } | null = null;
    if (trustGate !== null || guard.refused) {
      const needed = await egressApproval(this.env, {
        tenantId: state.tenantId,
        agentId: call.agentId,
        method: context.method,
        url: verdict.url.href,
        body: call.body ?? null,
        trustGate,
        guardrail: guard.refused ? { detail: guard.detail, findings } : null,
        approvalId: call.approvalId ?? null,
      });
      if (!needed.ok) return refuse({ ...needed.denial, ...(guard.refused ? { findings } : {}) });
      approvalToUse = needed.use;
    }
    const mode = modeOf(state, skill, verdict);
    context.mode = mode;

    const limits = TRUST_LEVELS[state.trustLevel] ?? TRUST_LEVELS[0]!;
    this.expireTickets(now);
    if (this.inFlight() >= limits.egressConcurrency)
      return refuse({
        ok: false,
        reason: "concurrency_limited",
        detail: `${limits.egressConcurrency} calls in flight`,
        retryAfterSeconds: 1,
      });
    const wait = this.takeToken(now, limits.egressRequestsPerMinute, limits.egressBurst);
    if (wait > 0)
      return refuse({
        ok: false,
        reason: "rate_limited",
        detail: `${limits.egressRequestsPerMinute} calls per minute`,
        retryAfterSeconds: Math.ceil(wait / 1000),
      });

    const ticketId = context.callId;
    const ticket: Ticket = {
      call: context,
      verdict,
      startedAt: now,
      bytesOut: call.bytesOut,
      platformHosts: call.platformHosts,
      secrets: [],
      mockedBy: null,
    };
    // The slot is taken in the same synchronous run as the check above: any `await` before this line
    // would let concurrent admits all pass the concurrency check (an object runs others at an await).
    this.tickets.set(ticketId, ticket);
    if (approvalToUse) {
      // Used once, by exactly this call: two concurrent retries with the same id both reach here and the desk lets one through.
      const used = await approvalDesk(this.env, state.tenantId).use(approvalToUse.id, {
        agentId: call.agentId,
        fingerprint: approvalToUse.fingerprint,
        callId: ticketId,
      });
      if (!used.ok) {
        this.tickets.delete(ticketId);
        return refuse(approvalDenial(used.code, approvalToUse.id, used.approval));
      }
    }
    if (mode === "mock") {
      const mock = findMock(state, { method: call.method, url: verdict.url, skill: call.skill });
      if (!mock) {
        this.tickets.delete(ticketId);
        return refuse({ ok: false, reason: "mock_no_match", detail: "mock mode and no declared response matches" });
      }
      ticket.mockedBy = mock.skill;
      return { ok: true, ticket: ticketId, mode, url: verdict.url.href, mock };
    }
    try {
      return {
        ok: true,
        ticket: ticketId,
        mode,
        url: verdict.url.href,
        injection: await this.credentialFor(state, ticket, verdict.url, verdict.host, now),
      };
    } catch (err) {
      this.tickets.delete(ticketId);
      throw err;
    }
  }

  /** A redirect hop of an admitted call: the same policy again, and the credential for THIS host only (none elsewhere). */
  async hop(ticketId: string, url: string, method: string): Promise<HopCheck> {
    const ticket = this.tickets.get(ticketId);
    const state = this.state;
    if (!ticket || !state) return { ok: false, reason: "too_many_redirects", detail: "the call's ticket expired" };
    const skill = ticket.call.skill !== null ? state.skills.get(ticket.call.skill) : undefined;
    const verdict = decideEgress(
      skill ? skill.policy : state.policy,
      { method, url, trustLevel: state.trustLevel },
      { platformHosts: ticket.platformHosts },
    );
    if (verdict.decision === "deny") return { ok: false, reason: verdict.reason, detail: `redirect to ${url}: ${verdict.detail}` };
    const cedarDenial = await this.cedarRefusal(state, method, verdict.url, ticket.call.skill);
    if (cedarDenial) return { ...cedarDenial, detail: `redirect to ${url}: ${cedarDenial.detail}` };
    // A redirect can land on a destructive endpoint (a 307 keeps the method): the guardrails judge the hop's method and URL.
    const guard = egressGuardrails(state.guardrails, state.trustLevel, { method, url: verdict.url.href, body: null, contentType: null });
    if (guard.decision.findings.length > 0) this.stageGuardrail(ticket.call, Date.now(), guard.decision);
    if (guard.refused) return { ok: false, reason: guard.reason, detail: `redirect to ${url}: ${guard.detail}` };
    return { ok: true, url: verdict.url.href, injection: await this.credentialFor(state, ticket, verdict.url, verdict.host, Date.now()) };
  }

  /** Cedar's refusal of an egress call, or null (allowed, or the tenant has not turned Cedar on). */
  private async cedarRefusal(state: GateState, method: string, url: URL, skill: string | null): Promise<GateDenial | null> {
    if (!state.cedar) return null;
    const principal = { agentId: state.agentId, trustLevel: state.trustLevel, teams: state.teams };
    const decision = await askPolicy(
      policyBinding(this.env),
      state.tenantId,
      state.cedar,
      egressPolicyRequest(principal, method, url, skill),
    );
    if (decision.decision === "allow") return null;
    return { ok: false, reason: "cedar_denied", detail: denialDetail(decision, state.cedar.version) };
  }

  /** The call is over: audit it (allowed with its outcome, or denied at a hop) and free its slot. Idempotent. */
  async release(ticketId: string, outcome: CallOutcome): Promise<void> {
    const ticket = this.tickets.get(ticketId);
    if (!ticket) return;
    this.tickets.delete(ticketId);
    const now = Date.now();
    if (outcome.deniedHop) {
      this.stageDenial(
        { ...ticket.call },
        now,
        { ok: false, reason: outcome.deniedHop.reason, detail: outcome.deniedHop.detail },
        ticket.bytesOut,
        undefined,
        outcome.deniedHop.hop,
      );
      return;
    }
    this.stageAllowed(ticket, now, outcome);
  }

  /** Something about this agent changed (rules, skills, secrets, status, trust, mode): reload before the next call. */
  async invalidate(): Promise<void> {
    this.state = null;
    this.loading = null;
    this.dek = null;
  }

  /** "Test a URL": the decision and what would be injected, with no side effects (no limits, no audit, nothing sent). */
  async evaluate(input: {
    agentId: string;
    tenantId: string;
    method: string;
    url: string;
    skill: string | null;
    platformHosts: string[];
  }): Promise<Evaluation> {
    const state = await this.currentState(input.agentId, Date.now());
    if (!state || state.tenantId !== input.tenantId)
      return {
        verdict: { decision: "deny", reason: "wrong_tenant", detail: "not this tenant's agent" },
        mode: null,
        credential: null,
        trustLevel: null,
      };
    const skill = input.skill !== null ? state.skills.get(input.skill) : undefined;
    if (input.skill !== null && !skill)
      return {
        verdict: { decision: "deny", reason: "skill_not_installed", detail: `skill ${input.skill} is not installed` },
        mode: null,
        credential: null,
        trustLevel: state.trustLevel,
      };
    const verdict =
      state.status === "suspended"
        ? ({ decision: "deny", reason: "agent_suspended", detail: "the agent is suspended" } as const)
        : state.safeMode !== null
          ? ({ decision: "deny", reason: "safe_mode", detail: "the agent is held by safe mode" } as const)
          : decideEgress(
              skill ? skill.policy : state.policy,
              { method: input.method, url: input.url, trustLevel: state.trustLevel },
              { platformHosts: input.platformHosts },
            );
    // "Test a URL" answers what a call would get, Cedar included (opted-in tenants only).
    const cedarDenial = verdict.decision === "allow" ? await this.cedarRefusal(state, input.method, verdict.url, input.skill) : null;
    if (cedarDenial)
      return {
        verdict: { decision: "deny", reason: cedarDenial.reason, detail: cedarDenial.detail },
        mode: null,
        credential: null,
        trustLevel: state.trustLevel,
      };
    const spec =
      verdict.decision === "allow"
        ? matchCredential(state, { method: input.method, url: verdict.url, host: verdict.host, skill: input.skill, now: Date.now() })
        : null;
    const mode = modeOf(state, skill, verdict.decision === "allow" ? verdict : null);
    // Plain data over RPC (a URL object does not serialise).
    const plain =
      verdict.decision === "allow"
        ? { decision: "allow" as const, reason: verdict.reason, ruleId: verdict.ruleId, source: verdict.source, host: verdict.host }
        : verdict;
    return { verdict: plain, mode, credential: spec ? { secretId: spec.secretId, name: spec.name } : null, trustLevel: state.trustLevel };
  }

  /**
   * The skill runtime (issue 19) stages its `skill.invoked` events here, on the agent's batched
   * audit path (same outbox, same alarm flush through `emitAuditBatch`): one ledger append per
   * batch, not one per invocation. Unmetered here: skill usage is metered by the runtime's hook.
   */
  async stageEvent(event: StagedAuditEvent): Promise<void> {
    stage(this.ctx.storage.sql, event);
    this.scheduleFlush();
  }

  /** Diagnostics for tests and the bench. */
  async stats(): Promise<{ staged: number; inFlight: number; loaded: boolean }> {
    return { staged: stagedCount(this.ctx.storage.sql), inFlight: this.inFlight(), loaded: this.state !== null };
  }

  override async alarm(): Promise<void> {
    this.alarmPending = false;
    this.expireTickets(Date.now());
    const tenantId = this.state?.tenantId ?? this.stagedTenant();
    if (tenantId) {
      for (let i = 0; i < 10 && (await flushBatch(this.ctx, this.env, tenantId)) > 0; i++);
      const agentId = this.state?.agentId ?? this.stagedAgent();
      if (agentId) await flushUsage(this.ctx.storage.sql, this.env, agentId);
    }
    if (stagedCount(this.ctx.storage.sql) > 0) this.scheduleFlush();
    else if (this.tickets.size > 0) await this.ctx.storage.setAlarm(Date.now() + EGRESS_LIMITS.timeoutMs);
  }

  /**
   * Why the agent may not make another egress call this month, or null. Cached for BUDGET_TTL_MS:
   * usage reaches the meter at this gate's flush anyway, so a hard cap holds to within a flush
   * window of calls. If the meter cannot answer, the call goes on (logged): billing must not take
   * egress down.
   */
  private async budgetRefusal(tenantId: string, agentId: string, now: number): Promise<string | null> {
    if (this.budget && now - this.budget.at < BUDGET_TTL_MS) return this.budget.refusal;
    try {
      const check = await checkBudget(this.env, { tenantId, agentId, kind: "egress_calls" });
      this.budget = { refusal: check.decision === "hard_exceeded" ? budgetExceeded(check).message : null, at: now };
    } catch (error) {
      log.warn("budget check unavailable; allowing", { agentId, error });
      return null;
    }
    return this.budget.refusal;
  }

  private async currentState(agentId: string, now: number): Promise<GateState | null> {
    if (this.state && this.state.agentId === agentId && now - this.state.loadedAt < STATE_TTL_MS) return this.state;
    this.loading ??= loadGateState(this.env, agentId, now).finally(() => (this.loading = null));
    const loaded = await this.loading;
    this.state = loaded;
    if (loaded && this.dek && this.dek.id !== loaded.vaultKey?.id) this.dek = null;
    return loaded;
  }

  private async credentialFor(state: GateState, ticket: Ticket, url: URL, host: string, now: number): Promise<Injection | null> {
    const spec = matchCredential(state, { method: ticket.call.method, url, host, skill: ticket.call.skill, now });
    if (!spec || !state.vaultKey) return null;
    if (!this.dek || this.dek.id !== state.vaultKey.id) this.dek = { id: state.vaultKey.id, key: unwrap(this.env, state.vaultKey) };
    const injection = await openCredential(await this.dek.key, state.tenantId, spec);
    ticket.secrets.push({ secretId: spec.secretId, version: spec.version, host });
    return injection;
  }

  /** A guardrail decision with findings: its own audit event (unmetered: the call is metered by its allowed/denied event). */
  private stageGuardrail(call: CallContext, now: number, decision: GuardrailDecision): void {
    const host = (() => {
      try {
        return new URL(call.url).hostname;
      } catch {
        return null;
      }
    })();
    stage(this.ctx.storage.sql, {
      ...guardrailEvent(
        {
          tenantId: call.tenantId,
          agentId: call.agentId,
          trustLevel: this.state?.trustLevel ?? null,
          via: "egress",
          subject: "http",
          extra: { callId: call.callId, method: call.method, host },
        },
        decision,
      ),
      id: newId("audit", now),
      at: now,
      ip: null,
      userAgent: null,
    });
    this.scheduleFlush();
  }

  private stageDenial(call: CallContext, now: number, denial: GateDenial, bytesOut: number, ruleId?: string, hop?: number): void {
    stage(this.ctx.storage.sql, deniedEvent(call, now, { reason: denial.reason, detail: denial.detail, ruleId: ruleId ?? null, hop }), {
      allowed: false,
      bytesOut,
      bytesIn: 0,
    });
    this.scheduleFlush();
  }

  private stageAllowed(ticket: Ticket, now: number, outcome: CallOutcome): void {
    const o: AllowedOutcome = {
      ruleId: ticket.verdict.ruleId,
      reason: ticket.verdict.reason,
      status: outcome.status,
      bytesOut: ticket.bytesOut,
      bytesIn: outcome.bytesIn,
      durationMs: now - ticket.startedAt,
      redirects: outcome.redirects,
      redactions: outcome.redactions,
      secrets: ticket.secrets,
      error: outcome.error,
      mockedBy: ticket.mockedBy,
    };
    const sql = this.ctx.storage.sql;
    // One synchronous run: the call and its secret uses are staged together or not at all.
    this.ctx.storage.transactionSync(() => {
      stage(sql, allowedEvent(ticket.call, now, o), { allowed: true, bytesOut: ticket.bytesOut, bytesIn: outcome.bytesIn });
      for (const s of ticket.secrets) stage(sql, secretUsedEvent(ticket.call, now, s));
    });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.alarmPending) return;
    this.alarmPending = true;
    // Issued synchronously with the staged rows, so it commits with them (the output gate waits for both).
    void this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }

  private inFlight(): number {
    return this.tickets.size;
  }

  private expireTickets(now: number): void {
    for (const [id, ticket] of this.tickets) {
      if (now - ticket.startedAt > EGRESS_LIMITS.timeoutMs + 5_000) {
        this.tickets.delete(id);
        this.stageAllowed(ticket, now, {
          status: null,
          bytesIn: 0,
          redirects: [],
          redactions: 0,
          error: "no_release: the proxy never reported the call's end",
        });
      }
    }
  }

  /** Token bucket: returns 0 if a token was taken, else ms until one is available. */
  private takeToken(now: number, perMinute: number, burst: number): number {
    const rate = perMinute / 60_000;
    this.tokens = Math.min(burst, (this.tokens ?? burst) + (now - this.refilledAt) * rate);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / rate;
  }

  private stagedTenant(): string | null {
    const row = this.ctx.storage.sql.exec<{ event: string }>("SELECT event FROM audit_outbox LIMIT 1").toArray()[0];
    return row
      ? (JSON.parse(row.event) as { tenantId: string }).tenantId
      : (this.ctx.storage.sql.exec<{ tenant_id: string }>("SELECT tenant_id FROM usage LIMIT 1").toArray()[0]?.tenant_id ?? null);
  }

  private stagedAgent(): string | null {
    const row = this.ctx.storage.sql.exec<{ event: string }>("SELECT event FROM audit_outbox LIMIT 1").toArray()[0];
    return row ? ((JSON.parse(row.event) as { actor: { id: string } }).actor.id ?? null) : null;
  }
}
