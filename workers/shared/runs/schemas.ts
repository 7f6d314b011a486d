/**
 * Runs (docs/runs.md): the shapes of a cross-agent invocation — what a caller asks for (callee,
 * input, scope, budget), and what a run is on the API. One definition; the HTTP route, the MCP tool,
 * the A2A endpoint and the SDK all validate with these.
 */
import { z } from "zod";

export const RUN_STATUSES = ["running", "succeeded", "failed", "timed_out", "budget_exceeded", "denied"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES).meta({ id: "RunStatus" });
export type RunStatus = z.infer<typeof RunStatusSchema>;
/** The statuses a run ends in. */
export type RunEndStatus = Exclude<RunStatus, "running">;

export const RUN_VIAS = ["http", "sdk", "mcp", "a2a"] as const;
export const RunViaSchema = z.enum(RUN_VIAS).meta({ id: "RunVia" });
export type RunVia = z.infer<typeof RunViaSchema>;

/** Longest deadline a run may ask for: the relay's longest request timeout (5 min). */
export const MAX_RUN_DEADLINE_MS = 5 * 60 * 1000;
/** Shortest: the relay's shortest request timeout. */
export const MIN_RUN_DEADLINE_MS = 100;
export const DEFAULT_RUN_DEADLINE_MS = 30_000;

export const RunBudgetSchema = z
  .object({
    maxCalls: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe("Relay messages, skill tool calls and nested invocations the callee may make for the run."),
    maxEgressCalls: z.number().int().min(0).max(1_000_000).optional().describe("Outbound HTTP calls through the egress proxy."),
    maxCostUnits: z.number().int().min(0).max(100_000_000).optional().describe('Cost units (docs/runs.md, "Budget").'),
    deadlineMs: z
      .number()
      .int()
      .min(MIN_RUN_DEADLINE_MS)
      .max(MAX_RUN_DEADLINE_MS)
      .default(DEFAULT_RUN_DEADLINE_MS)
      .describe("How long the caller waits for the callee's reply; the run ends timed_out after it."),
  })
  .strict()
  .meta({ id: "RunBudget" });
export type RunBudgetInput = z.input<typeof RunBudgetSchema>;

/** `skill` (any tool of it) or `skill/tool`. */
export const RunScopeSchema = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}(\/[A-Za-z0-9_.-]{1,64})?$/))
  .max(64)
  .default([])
  .meta({
    id: "RunScope",
    description: "Skills (`skill`) or tools (`skill/tool`) the callee may use for this run; empty: whatever it has installed.",
  });

export const InvokeAgentInputSchema = z
  .object({
    to: z.string().startsWith("agt_").max(64).describe("The callee agent id (same team)."),
    input: z.unknown().describe("The run's input: delivered to the callee as the request body's `input` (any JSON, ≤ 64 KiB)."),
    scope: RunScopeSchema,
    budget: RunBudgetSchema.default({ deadlineMs: DEFAULT_RUN_DEADLINE_MS }),
    parentRunId: z
      .string()
      .startsWith("run_")
      .max(64)
      .optional()
      .describe("The run this one is part of (the caller is that run's callee)."),
  })
  .strict()
  .meta({ id: "InvokeAgentInput" });
export type InvokeAgentInput = z.input<typeof InvokeAgentInputSchema>;

export const RunSchema = z
  .object({
    id: z.string(),
    teamId: z.string(),
    callerAgentId: z.string(),
    calleeAgentId: z.string(),
    parentRunId: z.string().nullable(),
    via: RunViaSchema,
    status: RunStatusSchema,
    scope: z.array(z.string()),
    budget: z.object({
      maxCalls: z.number().int().nullable(),
      maxEgressCalls: z.number().int().nullable(),
      maxCostUnits: z.number().int().nullable(),
      deadlineAt: z.iso.datetime(),
    }),
    used: z.object({ calls: z.number().int(), egressCalls: z.number().int(), costUnits: z.number().int() }),
    inputHash: z.string().describe("SHA-256 (hex) of the input's JSON."),
    outputHash: z.string().nullable(),
    output: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    cardVersion: z.string().nullable(),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    durationMs: z.number().int().nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof RunSchema>;

/** What a callee finds in the request body the relay delivers for a run. */
export interface RunRequestBody {
  run: {
    id: string;
    scope: string[];
    budget: { maxCalls: number | null; maxEgressCalls: number | null; maxCostUnits: number | null; deadlineAt: string };
  };
  input: unknown;
}

/**
 * A run id Switchboard issued (`run_` + ULID). Only those are charged: before runs existed, the
 * `runId` / `X-Switchboard-Run` fields took free-form labels, which are still recorded as they are.
 */
export const isRunId = (s: string | null | undefined): s is string => typeof s === "string" && /^run_[0-9A-HJKMNP-TV-Z]{26}$/.test(s);
