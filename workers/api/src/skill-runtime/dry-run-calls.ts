/**
 * The record of one dry run's calls (the report's `run.calls`) and the props of its mock network.
 * Kept apart from the entrypoint class (mock-outbound.ts) so the routes, which Node also loads to
 * build the OpenAPI document, never import `cloudflare:workers`. The record lives in this API
 * isolate's memory, keyed by the dry run's id: a `ctx.exports` entrypoint is served by the Worker
 * that made it (checked in workerd: the entrypoint and its caller share module state).
 */
import type { EgressRule } from "../../../shared/egress/policy";

export interface MockAnswerSpec {
  method?: string;
  url: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface DryRunCall {
  method: string;
  url: string;
  decision: "allow" | "deny";
  reason: string;
  message: string;
  detail: string | null;
  status: number | null;
  answeredBy: "given" | "declared" | null;
}

export interface MockOutboundProps {
  dryRunId: string;
  rules: EgressRule[];
  trustLevel: number;
  platformHosts: string[];
  /** Responses given with the dry run (a recorded session), tried before the declared mocks. */
  given: MockAnswerSpec[];
  declared: MockAnswerSpec[];
  maxCalls: number;
}

/** The calls of each open dry run. */
export const dryRunReports = new Map<string, DryRunCall[]>();

export function openDryRun(id: string): void {
  dryRunReports.set(id, []);
}

export function closeDryRun(id: string): DryRunCall[] {
  const calls = dryRunReports.get(id) ?? [];
  dryRunReports.delete(id);
  return calls;
}
