/**
 * Cross-agent invocation as a run (docs/runs.md): the one path every surface takes — HTTP
 * (`POST /v1/agent/runs`), MCP (`invoke_agent`), the SDK (`invokeAgent`, over HTTP) and A2A
 * (`SendMessage`). A run is delivered to the callee as a relay REQUEST through the relay's agent
 * RPC, so the team's allowlist, trust limits, rate limits and relay audit decide and record it
 * exactly as for any request; the callee answers with a normal relay reply, whose body is the
 * run's output. The caller waits up to the run's deadline.
 *
 * Effects in order: (parent charged) → row inserted `running` → `run.started` in both trails →
 * relay request → row ended (first end wins, reputation in the same transaction) → `run.finished`
 * (and `run.budget_exceeded`) in both trails → provenance signed.
 */
import canonicalize from "canonicalize";
import { and, eq, isNull } from "drizzle-orm";
import { sha256Hex } from "../../../../shared/crypto/sha256";
import { newId } from "../../../../shared/crypto/ids";
import { createDb } from "../../../../shared/db/client";
import { agents, type RunRow } from "../../../../shared/db/schema";
import { chargeRefusal, chargeRun, endRun, type ChargeResult } from "../../../../shared/runs/ledger";
import {
  InvokeAgentInputSchema,
  type InvokeAgentInput,
  type Run,
  type RunEndStatus,
  type RunRequestBody,
  type RunVia,
  isRunId,
} from "../../../../shared/runs/schemas";
import { ApiError } from "../../http/api-error";
import type { AgentContext } from "../agent-caller";
import { relayMessaging } from "../relay-messaging";
import { emitRunEvent } from "./events";
import { signRunProvenance } from "./provenance";
import { insertRun, runOf, runRow } from "./store";

/** JSON text of a value, canonical (RFC 8785), and its SHA-256: what the run's hashes are over. */
export async function canonicalHash(value: unknown): Promise<{ json: string; hash: string }> {
  const json = canonicalize(value ?? null) ?? "null";
  return { json, hash: await sha256Hex(json) };
}

export interface StartRunInput {
  tenantId: string;
  teamId: string;
  callerAgentId: string;
  calleeAgentId: string;
  input: unknown;
  scope?: string[];
  budget?: { maxCalls?: number; maxEgressCalls?: number; maxCostUnits?: number; deadlineMs?: number };
  parentRunId?: string;
  via: RunVia;
  /** The callee's Agent Card version when the caller knows it (A2A). */
  cardVersion?: string | null;
}

/**
 * Creates the run row (`running`) and records `run.started`. Checks the callee is an agent of the
 * tenant (404 otherwise — another tenant's agent is not there); with a parent run, charges the
 * parent one nested invocation (the caller must be its callee) and caps the deadline at the parent's.
 */
export async function startRun(env: Env, req: StartRunInput): Promise<RunRow> {
  const parsed = InvokeAgentInputSchema.parse({
    to: req.calleeAgentId,
    input: req.input,
    scope: req.scope ?? [],
    budget: req.budget ?? {},
    ...(req.parentRunId ? { parentRunId: req.parentRunId } : {}),
  });
  const callee = await createDb(env.DB)
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.id, parsed.to), eq(agents.tenantId, req.tenantId), isNull(agents.deletedAt)))
    .get();
  if (!callee) throw new ApiError("not_found", "Agent not found.", { agentId: parsed.to });
  const now = Date.now();
  let deadlineAt = now + parsed.budget.deadlineMs;
  if (parsed.parentRunId) {
    const parent = await runRow(env, req.tenantId, parsed.parentRunId);
    if (!parent || parent.calleeAgentId !== req.callerAgentId)
      throw new ApiError("not_found", "Parent run not found.", { runId: parsed.parentRunId });
    throwIfRefused(
      await chargeRun(env.DB, { runId: parent.id, tenantId: req.tenantId, agentId: req.callerAgentId, kind: "invoke" }),
      parent.id,
    );
    deadlineAt = Math.min(deadlineAt, parent.deadlineAt);
  }
  const input = await canonicalHash(parsed.input);
  const row: RunRow = {
    id: newId("run", now),
    tenantId: req.tenantId,
    teamId: req.teamId,
    callerAgentId: req.callerAgentId,
    calleeAgentId: parsed.to,
    parentRunId: parsed.parentRunId ?? null,
    via: req.via,
    status: "running",
    scope: parsed.scope,
    maxCalls: parsed.budget.maxCalls ?? null,
    maxEgressCalls: parsed.budget.maxEgressCalls ?? null,
    maxCostUnits: parsed.budget.maxCostUnits ?? null,
    usedCalls: 0,
    usedEgressCalls: 0,
    usedCostUnits: 0,
    deadlineAt,
    inputHash: input.hash,
    input: input.json,
    outputHash: null,
    output: null,
    errorCode: null,
    errorMessage: null,
    cardVersion: req.cardVersion ?? null,
    relaySeq: null,
    startedAt: now,
    finishedAt: null,
    durationMs: null,
    provenance: null,
  };
  await insertRun(env, row);
  await emitRunEvent(env, row, "run.started", {
    via: row.via,
    inputHash: row.inputHash,
    scope: row.scope,
    budget: { maxCalls: row.maxCalls, maxEgressCalls: row.maxEgressCalls, maxCostUnits: row.maxCostUnits, deadlineAt: row.deadlineAt },
  });
  return row;
}

export interface FinishRunInput {
  tenantId: string;
  runId: string;
  status: RunEndStatus;
  output?: unknown;
  error?: { code: string; message: string } | null;
}

/**
 * Ends the run (if still running: the first end wins), records `run.finished` — and
 * `run.budget_exceeded` when that is how it ended — in both trails, then signs its provenance.
 * Idempotent: a run that had already ended (e.g. by a budget overrun during the wait) is
 * finalised with ITS status; events are recorded once (only while it has no provenance yet).
 */
export async function finishRun(env: Env, req: FinishRunInput): Promise<Run> {
  const output = req.status === "succeeded" || req.status === "failed" ? await canonicalHash(req.output ?? null) : null;
  await endRun(env.DB, {
    runId: req.runId,
    tenantId: req.tenantId,
    status: req.status,
    errorCode: req.error?.code ?? null,
    errorMessage: req.error?.message ?? null,
    outputHash: output && req.output !== undefined ? output.hash : null,
    output: output && req.output !== undefined ? output.json : null,
  });
  const row = await runRow(env, req.tenantId, req.runId);
  if (!row) throw new ApiError("not_found", "Run not found.", { runId: req.runId });
  if (row.status === "running" || row.provenance !== null) return runOf(row);
  if (row.status === "budget_exceeded")
    await emitRunEvent(env, row, "run.budget_exceeded", { error: { code: row.errorCode, message: row.errorMessage }, used: usedOf(row) });
  await emitRunEvent(env, row, "run.finished", {
    status: row.status,
    inputHash: row.inputHash,
    outputHash: row.outputHash,
    durationMs: row.durationMs,
    used: usedOf(row),
    ...(row.errorCode ? { error: { code: row.errorCode, message: row.errorMessage } } : {}),
  });
  return runOf(await signRunProvenance(env, row));
}

const usedOf = (row: RunRow) => ({ calls: row.usedCalls, egressCalls: row.usedEgressCalls, costUnits: row.usedCostUnits });

export async function getRun(env: Env, tenantId: string, runId: string): Promise<Run | null> {
  const row = await runRow(env, tenantId, runId);
  return row ? runOf(row) : null;
}

/** Relay refusals that mean "not allowed" rather than "something broke": the run is `denied` with the relay's reason. */
const DENIALS = new Set<string>(["not_allowed", "forbidden", "agent_suspended", "recipient_unknown", "not_a_member", "approval_required"]);

/**
 * The whole invocation: start the run, deliver the input to the callee as a relay request, wait for
 * its reply up to the deadline, finish the run. Always resolves with the ended run (denied,
 * timed_out… are statuses, not exceptions); throws ApiError only for a bad request (validation, an
 * unknown callee or parent, a parent out of budget).
 */
export async function invokeAgent(
  env: Env,
  agent: AgentContext,
  input: InvokeAgentInput,
  opts: { via: RunVia; cardVersion?: string | null },
): Promise<Run> {
  const parsed = InvokeAgentInputSchema.parse(input);
  const row = await startRun(env, {
    tenantId: agent.team.tenantId,
    teamId: agent.team.teamId,
    callerAgentId: agent.caller.agentId,
    calleeAgentId: parsed.to,
    input: parsed.input,
    scope: parsed.scope,
    budget: parsed.budget,
    ...(parsed.parentRunId ? { parentRunId: parsed.parentRunId } : {}),
    via: opts.via,
    cardVersion: opts.cardVersion ?? null,
  });
  const body: RunRequestBody = {
    run: {
      id: row.id,
      scope: row.scope,
      budget: {
        maxCalls: row.maxCalls,
        maxEgressCalls: row.maxEgressCalls,
        maxCostUnits: row.maxCostUnits,
        deadlineAt: new Date(row.deadlineAt).toISOString(),
      },
    },
    input: parsed.input ?? null,
  };
  let answer: Awaited<ReturnType<ReturnType<typeof relayMessaging>["request"]>>;
  try {
    answer = await relayMessaging(env).request(agent.team, agent.caller, {
      to: row.calleeAgentId,
      body,
      clientId: row.id,
      timeoutMs: Math.max(100, row.deadlineAt - Date.now()),
    });
  } catch (err) {
    return finishRun(env, {
      tenantId: row.tenantId,
      runId: row.id,
      status: "failed",
      error: { code: "internal_error", message: String(err).slice(0, 500) },
    });
  }
  if (answer.ok) {
    const reply = answer.value.reply.body;
    const failure = replyError(reply);
    return finishRun(env, {
      tenantId: row.tenantId,
      runId: row.id,
      status: failure ? "failed" : "succeeded",
      output: reply,
      error: failure,
    });
  }
  const { code, message } = answer.error;
  const status: RunEndStatus = code === "request_timeout" ? "timed_out" : DENIALS.has(code) ? "denied" : "failed";
  return finishRun(env, { tenantId: row.tenantId, runId: row.id, status, error: { code, message } });
}

/** A reply of the project's error shape (`{ "error": { code, message } }`) means the callee failed the run. */
function replyError(body: unknown): { code: string; message: string } | null {
  if (!body || typeof body !== "object" || Array.isArray(body)) return null;
  const e = (body as { error?: unknown }).error;
  if (!e || typeof e !== "object") return null;
  const { code, message } = e as { code?: unknown; message?: unknown };
  return typeof code === "string" ? { code: code.slice(0, 100), message: typeof message === "string" ? message.slice(0, 1000) : "" } : null;
}

/**
 * Charges a call the callee makes for a run (a skill tool call, a relay message, a nested
 * invocation); throws the run's error code when refused. Used by the skill runtime's
 * `chargeRunBudget` hook, the MCP messaging tools and `startRun` (nested runs).
 */
export async function chargeRunCall(env: Env, charge: Parameters<typeof chargeRun>[1]): Promise<void> {
  // Free-form labels (not a run id Switchboard issued) are recorded by the caller, not charged.
  if (!isRunId(charge.runId)) return;
  throwIfRefused(await chargeRun(env.DB, charge), charge.runId);
}

function throwIfRefused(result: ChargeResult, runId: string): void {
  if (result.ok) return;
  const r = chargeRefusal(result, runId);
  throw new ApiError(r.code, r.message, r.details);
}
