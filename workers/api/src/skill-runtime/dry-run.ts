/**
 * A dry run that runs: the tool's real code, in a fresh isolate (never a cached one, never an
 * agent's), with the mock outbound as its only network (mock-outbound.ts): every call the code makes
 * is judged like the proxy would and answered from the given or declared responses; nothing leaves,
 * no secret is involved, nothing is audited (like the rest of the dry run).
 */
import type { EgressRule } from "../../../shared/egress/policy";
import type { SkillVersionRow } from "../../../shared/db/schema";
import type { SkillManifest } from "../../../shared/skills/manifest";
import { validateAgainst, type ToolDefinition } from "../../../shared/skills/code/tools";
import { ApiError } from "../http/api-error";
import { loadCode } from "./code-store";
import { isolateId, mockOutbound, runTool } from "./loader";
import { closeDryRun, openDryRun, type DryRunCall, type MockAnswerSpec } from "./dry-run-calls";

const MAX_CALLS = 50;

export interface DryRunRequest {
  tool: string;
  input: unknown;
  rules: EgressRule[];
  trustLevel: number;
  platformHosts: string[];
  given: MockAnswerSpec[];
}

export interface DryRunResult {
  tool: string;
  ok: boolean;
  output: unknown;
  error: { code: string; message: string; details?: Record<string, unknown> } | null;
  durationMs: number;
  calls: DryRunCall[];
}

export async function dryRunTool(env: Env, version: SkillVersionRow, manifest: SkillManifest, req: DryRunRequest): Promise<DryRunResult> {
  if (!version.contentHash || !version.codeKey || !version.tools)
    throw new ApiError("skill_not_runnable", `${manifest.name}@${manifest.version} has no code: it has no tools to run.`);
  if (version.status === "yanked")
    throw new ApiError("skill_version_yanked", `${manifest.name}@${manifest.version} was yanked; its code does not run.`);
  const tools = version.tools as unknown as ToolDefinition[];
  const tool = tools.find((t) => t.name === req.tool);
  if (!tool)
    throw new ApiError("skill_tool_not_found", `${manifest.name}@${manifest.version} has no tool ${req.tool}.`, {
      tools: tools.map((t) => t.name),
    });
  const issues = validateAgainst(tool.inputSchema, req.input ?? null);
  if (issues.length)
    throw new ApiError("validation_failed", `The input does not match ${req.tool}'s input schema.`, {
      location: "input",
      issues: issues.map((i) => ({ path: i.path, code: "schema", message: i.message })),
    });
  const hash = version.contentHash;
  const codeKey = version.codeKey;
  const dryRun = crypto.randomUUID();
  openDryRun(dryRun);
  const t0 = performance.now();
  try {
    const outcome = await runTool(env, {
      id: isolateId(hash, { dryRun }),
      hash,
      fresh: true,
      code: () => loadCode(env, codeKey, hash),
      settings: Object.fromEntries(manifest.settings.map((s) => [s.name, s.value])),
      outbound: await mockOutbound({
        dryRunId: dryRun,
        rules: req.rules,
        trustLevel: req.trustLevel,
        platformHosts: req.platformHosts,
        given: req.given,
        declared: manifest.mocks,
        maxCalls: MAX_CALLS,
      }),
      tool: req.tool,
      input: req.input ?? null,
    });
    const durationMs = Math.round(performance.now() - t0);
    if (!outcome.ok)
      return {
        tool: req.tool,
        ok: false,
        output: null,
        error: { code: outcome.code, message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) },
        durationMs,
        calls: closeDryRun(dryRun),
      };
    const outputIssues = validateAgainst(tool.outputSchema, outcome.output);
    if (outputIssues.length)
      return {
        tool: req.tool,
        ok: false,
        output: outcome.output,
        error: {
          code: "skill_output_invalid",
          message: `${req.tool}'s output does not match its declared output schema.`,
          details: { issues: outputIssues },
        },
        durationMs,
        calls: closeDryRun(dryRun),
      };
    return { tool: req.tool, ok: true, output: outcome.output, error: null, durationMs, calls: closeDryRun(dryRun) };
  } finally {
    closeDryRun(dryRun);
  }
}
