/**
 * How an A2A `SendMessage` reaches the callee: a relay request from the caller (the token's agent)
 * to the callee in the token's team, through the relay's agent RPC (the same judge, allowlist and
 * audit as a request on the WebSocket). The callee receives `{ input: A2aInvocationInput }` and
 * answers with a relay reply whose body is the task's answer.
 */
import type { AgentContext } from "../agent-caller";
import { relayMessaging } from "../relay-messaging";
import type { Invoke } from "./executor";

/** How long the caller waits for the callee's reply (the relay's request timeout). */
export const A2A_REPLY_TIMEOUT_MS = 30_000;

export function a2aInvoke(env: Env, agent: AgentContext, _opts: { cardVersion: string }): Invoke {
  return async ({ to, input, taskId }) => {
    const answer = await relayMessaging(env).request(agent.team, agent.caller, {
      to,
      body: { input },
      clientId: `a2a-${taskId}`,
      timeoutMs: A2A_REPLY_TIMEOUT_MS,
    });
    if (answer.ok) return { ok: true, output: answer.value.reply.body };
    return { ok: false, code: answer.error.code, message: answer.error.message };
  };
}
