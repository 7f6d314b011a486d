/**
 * How an A2A `SendMessage` reaches the callee: as a **run** (docs/runs.md) through the runs
 * service's `invokeAgent`, with `via: "a2a"` and the callee's card version. The run service
 * delivers it as a relay request from the caller (the token's agent) to the callee in the token's
 * team, through the relay's agent RPC — the same judge, allowlist and audit as a request on the
 * WebSocket — and records the run (both agents' audit, reputation, signed provenance). The callee
 * receives `{ run, input: A2aInvocationInput }` and answers with a relay reply whose body is the
 * task's answer (a reply of the error shape `{ error: { code, message } }` fails the run).
 */
import type { AgentContext } from "../agent-caller";
import { invokeAgent } from "../runs";
import type { Invoke } from "./executor";

/** How long the caller waits for the callee's reply: the run's deadline. */
export const A2A_REPLY_TIMEOUT_MS = 30_000;

export function a2aInvoke(env: Env, agent: AgentContext, opts: { cardVersion: string }): Invoke {
  return async ({ to, input }) => {
    const run = await invokeAgent(
      env,
      agent,
      { to, input, budget: { deadlineMs: A2A_REPLY_TIMEOUT_MS } },
      { via: "a2a", cardVersion: opts.cardVersion },
    );
    if (run.status === "succeeded") return { ok: true, output: run.output, runId: run.id };
    return {
      ok: false,
      code: run.error?.code ?? run.status,
      message: run.error?.message || `The run ended ${run.status}.`,
      runId: run.id,
    };
  };
}
