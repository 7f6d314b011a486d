/**
 * `SkillsClient`: the tools of the skills installed on this agent, and calling them
 * (docs/skills.md#calling-a-tool). Switchboard runs the tool's code in a sandbox whose only network
 * is the egress proxy, so the agent holds no credentials for what the skill reaches. Authenticated
 * by the agent's token (relay audience; a team is optional), exchanged from its secret and renewed
 * like the other clients'. Every refusal throws `SkillError` with the API's code and status —
 * `not_found` (not installed), `skill_tool_not_found`, `skill_version_yanked`, `validation_failed`
 * (input against the tool's schema; `details.issues`), `budget_exceeded` (402), `skill_failed`,
 * `skill_cpu_limit`, `skill_timeout`, … (docs/errors.md) — mapped exactly as `CoordinationError`'s.
 */
import { agentCall, type AgentHttp } from "./agent-http";
import { SwitchboardError } from "./errors";
import { TokenSource, type AgentCredentials } from "./token";

/** A JSON Schema (draft 2020-12) as the skill published it. */
export type JsonSchema = Record<string, unknown>;

/** One callable tool (`CallableSkillTool` in /openapi.json). */
export interface SkillTool {
  skill: string;
  /** The installed version. */
  version: string;
  /** The install's mode: in `mock` the skill's calls are answered by its declared mocks and nothing leaves. */
  mode: "mock" | "live";
  name: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

/** What was run (`SkillInvocation` in /openapi.json); `id` is the audit event's `invocationId`. */
export interface SkillInvocation {
  id: string;
  skill: string;
  version: string;
  tool: string;
  mode: "mock" | "live";
  durationMs: number;
  run: string | null;
}

export interface SkillToolResult<Output = unknown> {
  /** The tool's output, already validated against its output schema by Switchboard. */
  output: Output;
  invocation: SkillInvocation;
}

export class SkillError extends SwitchboardError {
  constructor(
    message: string,
    code: string,
    /** HTTP status (0: the API could not be reached). */
    readonly status: number,
    readonly details: Record<string, unknown> | undefined,
  ) {
    super(message, code);
  }
}

export interface SkillsClientOptions extends AgentCredentials {
  fetch?: typeof fetch;
  /** Share another client's token source (or pass none: one is made from the credentials). */
  tokens?: TokenSource;
}

export class SkillsClient {
  private readonly http: AgentHttp<SkillError>;

  constructor(options: SkillsClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.http = {
      base: options.url.replace(/\/$/, ""),
      fetchImpl,
      tokens: options.tokens ?? new TokenSource(options, 60_000, fetchImpl),
      error: (message, code, status, details) => new SkillError(message, code, status, details),
    };
  }

  /** Every tool of every skill installed on this agent whose version has code and is not yanked. */
  async listTools(): Promise<SkillTool[]> {
    return (await agentCall<{ data: SkillTool[] }, SkillError>(this.http, "GET", "/v1/agent/skills/tools")).data;
  }

  /**
   * Calls `skill`'s `tool` with `input`. `runId` records the call (and its egress calls) as part of
   * a run. Each call that reaches the code is metered once (docs/billing.md): do not retry a
   * `skill_failed` blindly.
   */
  async callTool<Output = unknown>(
    skill: string,
    tool: string,
    input: unknown,
    options: { runId?: string } = {},
  ): Promise<SkillToolResult<Output>> {
    return agentCall<SkillToolResult<Output>, SkillError>(
      this.http,
      "POST",
      `/v1/agent/skills/${encodeURIComponent(skill)}/tools/${encodeURIComponent(tool)}`,
      { input, ...(options.runId ? { runId: options.runId } : {}) },
    );
  }
}
