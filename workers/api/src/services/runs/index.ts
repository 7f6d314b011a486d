/**
 * The runs service (docs/runs.md): the one API every surface that starts or charges a run calls —
 * the HTTP routes, the MCP `invoke_agent` tool, the A2A endpoint, the skill runtime's
 * `chargeRunBudget` hook. Stable names: other branches build on them.
 */
export { canonicalHash, chargeRunCall, finishRun, getRun, invokeAgent, startRun } from "./invoke";
export type { FinishRunInput, StartRunInput } from "./invoke";
export { listRunRows, runOf, runRow } from "./store";
export type { RunListFilter } from "./store";
export type { InvokeAgentInput, Run, RunStatus, RunVia } from "../../../../shared/runs/schemas";
export { reputationOfAgent, reputationsOf, withReputation } from "./reputation";
export { runBundle, signRunProvenance } from "./provenance";
