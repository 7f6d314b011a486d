/**
 * One call of an installed skill's tool, for an agent (HTTP, SDK and MCP all come here): resolve
 * the install (the agent's tenant only: anything else is 404), refuse yanked versions and versions
 * without code, validate the input against the tool's schema, run it in the version's isolate with
 * the egress proxy as its network (as this agent and skill), validate the output, then audit
 * (`skill.invoked`, staged on the agent's gate: the batched path). Metered (hooks.ts) just before
 * the code runs, so a hard budget refuses with 402 and counts nothing.
 */
import { and, eq } from "drizzle-orm";
import type { StagedAuditEvent } from "../../../shared/audit/emit";
import { newId } from "../../../shared/crypto/ids";
import { sha256Hex } from "../../../shared/crypto/sha256";
import type { Database } from "../../../shared/db/client";
import { agents, agentSkills, skills, skillVersions } from "../../../shared/db/schema";
import { mayUseAgentTools } from "../../../shared/trust-levels";
import { SKILL_CODE_LIMITS } from "../../../shared/skills/code/limits";
import { validateAgainst, type ToolDefinition } from "../../../shared/skills/code/tools";
import { ApiError, notFound } from "../http/api-error";
import { loadCode } from "./code-store";
import { chargeRunBudget, recordSkillUsage } from "./hooks";
import { assertRuntime, egressOutbound, isolateId, runTool } from "./loader";
import { assertPolicyAllowsTool } from "./policy-gate";

export interface InvokeRequest {
  tenantId: string;
  agentId: string;
  skill: string;
  tool: string;
  input: unknown;
  runId: string | null;
  via: "http" | "mcp";
  platformHosts: string[];
}

export interface InvokeResult {
  output: unknown;
  invocation: { id: string; skill: string; version: string; tool: string; mode: "mock" | "live"; durationMs: number; run: string | null };
}

export interface CallableTool extends ToolDefinition {
  skill: string;
  version: string;
  mode: "mock" | "live";
}

/** The tools of every skill installed on the agent whose version has code and is not yanked. */
export async function installedTools(db: Database, agentId: string): Promise<CallableTool[]> {
  const rows = await db
    .select({
      name: skills.name,
      version: agentSkills.version,
      mode: agentSkills.mode,
      status: skillVersions.status,
      tools: skillVersions.tools,
      hash: skillVersions.contentHash,
    })
    .from(agentSkills)
    .innerJoin(skills, eq(skills.id, agentSkills.skillId))
    .innerJoin(skillVersions, and(eq(skillVersions.skillId, agentSkills.skillId), eq(skillVersions.version, agentSkills.version)))
    .where(eq(agentSkills.agentId, agentId))
    .all();
  return rows
    .filter((r) => r.hash && r.tools && r.status !== "yanked")
    .flatMap((r) => (r.tools as unknown as ToolDefinition[]).map((t) => ({ ...t, skill: r.name, version: r.version, mode: r.mode })));
}

function issues(list: Array<{ path: string; message: string }>) {
  return list.map((i) => ({ path: i.path, code: "schema", message: i.message }));
}

export async function invokeSkillTool(
  env: Env,
  db: Database,
  waitUntil: (p: Promise<unknown>) => void,
  req: InvokeRequest,
): Promise<InvokeResult> {
  const row = await db
    .select({ skillId: skills.id, version: agentSkills.version, mode: agentSkills.mode, v: skillVersions, trust: agents.trustLevel })
    .from(agentSkills)
    .innerJoin(agents, eq(agents.id, agentSkills.agentId))
    .innerJoin(skills, eq(skills.id, agentSkills.skillId))
    .innerJoin(skillVersions, and(eq(skillVersions.skillId, agentSkills.skillId), eq(skillVersions.version, agentSkills.version)))
    .where(and(eq(agentSkills.agentId, req.agentId), eq(agentSkills.tenantId, req.tenantId), eq(skills.name, req.skill)))
    .get();
  if (!row) throw notFound("Installed skill");
  // The trust table (TRUST_LEVELS.agentTools): a skill's code acts on the outside world.
  if (!mayUseAgentTools(row.trust, "skills"))
    throw new ApiError("not_allowed", `Trust level ${row.trust} may not invoke skill tools; raise the agent's trust level.`, {
      trustLevel: row.trust,
      group: "skills",
    });
  const label = `${req.skill}@${row.version}`;
  if (row.v.status === "yanked")
    throw new ApiError(
      "skill_version_yanked",
      `${label} was yanked (${row.v.statusMessage ?? "no reason given"}); its code does not run. Install another version.`,
      { skill: req.skill, version: row.version },
    );
  if (!row.v.contentHash || !row.v.codeKey || !row.v.tools)
    throw new ApiError("skill_not_runnable", `${label} has no code: it has no tools to call.`, { skill: req.skill, version: row.version });
  const tools = row.v.tools as unknown as ToolDefinition[];
  const tool = tools.find((t) => t.name === req.tool);
  if (!tool) throw new ApiError("skill_tool_not_found", `${label} has no tool ${req.tool}.`, { tools: tools.map((t) => t.name) });
  // Cedar (opted-in tenants only) before anything runs or is charged: deny wins over the install.
  await assertPolicyAllowsTool(env, db, {
    tenantId: req.tenantId,
    agentId: req.agentId,
    skill: req.skill,
    skillId: row.skillId,
    version: row.version,
    tool: req.tool,
    via: req.via,
    runId: req.runId,
  });
  const inputJson = JSON.stringify(req.input ?? null);
  if (new TextEncoder().encode(inputJson).byteLength > SKILL_CODE_LIMITS.maxInputBytes)
    throw new ApiError("payload_too_large", `A tool's input is at most ${SKILL_CODE_LIMITS.maxInputBytes} bytes of JSON.`, {
      maxBytes: SKILL_CODE_LIMITS.maxInputBytes,
    });
  const inputIssues = validateAgainst(tool.inputSchema, req.input);
  if (inputIssues.length)
    throw new ApiError("validation_failed", `The input does not match ${req.tool}'s input schema.`, {
      location: "input",
      issues: issues(inputIssues),
    });
  assertRuntime(env);
  if (req.runId)
    await chargeRunBudget(env, { runId: req.runId, tenantId: req.tenantId, agentId: req.agentId, skill: req.skill, tool: req.tool });

  const started = Date.now();
  const invocationId = newId("skillInvocation", started);
  // Metered before the code runs (a hard cap refuses here, exactly): one unit per execution, hooks.ts.
  await recordSkillUsage(
    env,
    {
      invocationId,
      tenantId: req.tenantId,
      agentId: req.agentId,
      skill: req.skill,
      version: row.version,
      tool: req.tool,
      runId: req.runId,
      at: started,
    },
    waitUntil,
  );
  const t0 = performance.now();
  const hash = row.v.contentHash;
  const codeKey = row.v.codeKey;
  const outcome = await runTool(env, {
    id: isolateId(hash, { tenantId: req.tenantId, agentId: req.agentId, run: req.runId }),
    hash,
    code: () => loadCode(env, codeKey, hash),
    settings: Object.fromEntries(
      ((row.v.manifest as { settings?: Array<{ name: string; value: string | number | boolean }> }).settings ?? []).map((s) => [
        s.name,
        s.value,
      ]),
    ),
    outbound: await egressOutbound({
      tenant: req.tenantId,
      agent: req.agentId,
      skill: req.skill,
      version: row.version,
      run: req.runId ?? "",
      platformHosts: req.platformHosts,
    }),
    tool: req.tool,
    input: req.input ?? null,
  });
  const durationMs = Math.round(performance.now() - t0);
  let failure: ApiError | null = null;
  if (!outcome.ok) failure = new ApiError(outcome.code, outcome.message, outcome.details);
  else {
    const outputIssues = validateAgainst(tool.outputSchema, outcome.output);
    if (outputIssues.length)
      failure = new ApiError("skill_output_invalid", `${req.tool}'s output does not match its declared output schema.`, {
        issues: issues(outputIssues),
      });
  }
  const event: StagedAuditEvent = {
    id: newId("audit", started),
    at: started,
    tenantId: req.tenantId,
    actor: { type: "agent", id: req.agentId, name: null },
    action: "skill.invoked",
    target: { type: "skill", id: row.skillId },
    severity: failure ? "warning" : "info",
    outcome: failure ? "failure" : "success",
    ip: null,
    userAgent: null,
    details: {
      invocationId,
      skill: req.skill,
      version: row.version,
      tool: req.tool,
      contentHash: hash,
      run: req.runId,
      via: req.via,
      mode: row.mode,
      inputHash: await sha256Hex(inputJson),
      outputHash: outcome.ok ? await sha256Hex(JSON.stringify(outcome.output)) : null,
      durationMs,
      error: failure ? failure.code : null,
    },
  };
  // Staged (durably, in the agent's gate) before the caller hears anything: an answered call is audited.
  await env.EGRESS_GATE.get(env.EGRESS_GATE.idFromName(req.agentId)).stageEvent(event);
  if (failure) throw failure;
  return {
    output: (outcome as { output: unknown }).output,
    invocation: { id: invocationId, skill: req.skill, version: row.version, tool: req.tool, mode: row.mode, durationMs, run: req.runId },
  };
}
