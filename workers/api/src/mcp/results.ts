/**
 * MCP tool results in the project's terms: a success is the same JSON object the HTTP API
 * answers (as text for any client, and as `structuredContent`); a refusal is an MCP *tool error*
 * (`isError: true`, so the model sees it and can react) carrying the project's error shape
 * `{ error: { code, message, details? } }` — the same codes as docs/errors.md.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { CoordResult } from "../../../../durable-objects/team-coordinator/context";
import { ApiError } from "../http/api-error";

export function toolResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

export function toolError(code: string, message: string, details?: Record<string, unknown>): CallToolResult {
  const error = { error: { code, message, ...(details ? { details } : {}) } };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(error) }], structuredContent: error };
}

/** Runs a tool body; ApiErrors and coordinator refusals become tool errors, anything else an internal_error tool error (logged). */
export async function runTool(body: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  try {
    return toolResult(await body());
  } catch (err) {
    if (err instanceof ApiError) return toolError(err.code, err.message, err.details);
    console.error(JSON.stringify({ msg: "mcp tool failed", error: String(err), stack: err instanceof Error ? err.stack : undefined }));
    return toolError("internal_error", "The tool failed unexpectedly; it has been logged and can be retried.");
  }
}

/** The value of a coordinator answer, or its refusal thrown as an ApiError (caught by runTool). */
export function value<T>(result: CoordResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}
