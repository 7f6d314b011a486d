/**
 * The A2A `AgentExecutor` of a Switchboard agent (docs/a2a.md "SendMessage"): a message from agent
 * A (the token's) to agent B (the URL's) is a cross-agent invocation. It is delivered to B as a
 * relay request through B's team relay — so the team's allowlist, trust limits, rate limits and
 * relay audit decide it, exactly as for any request — and B's relay reply is the task's answer.
 *
 * Events, per the SDK's contract: a `task` (WORKING, the caller's message as history) first, then
 * an artifact with B's answer and a COMPLETED status whose message carries it; or, when the relay
 * refuses or B does not answer in time, a FAILED status whose message says why (and
 * `metadata.switchboard.error` carries the project's error code).
 *
 * The invocation itself is behind `Invoke` so the delivery path can change (the runs service)
 * without touching the A2A mapping.
 */
import { Message, Role, TaskState, type Part } from "@a2a-js/sdk";
import { AgentEvent, type AgentExecutor, type ExecutionEventBus, type RequestContext } from "@a2a-js/sdk/server";

/** What B receives as the relay request's `input` (docs/a2a.md "What the callee receives"). */
export interface A2aInvocationInput {
  a2a: { taskId: string; contextId: string; messageId: string; callerAgentId: string };
  /** The text parts of the message, joined by newlines ("" if none). */
  text: string;
  /** The message's parts in A2A JSON (`{ text }`, `{ data }`, `{ url }`…). */
  parts: unknown[];
}

export type InvocationOutcome =
  | { ok: true; output: unknown; runId?: string }
  | { ok: false; code: string; message: string; runId?: string };

export type Invoke = (input: { to: string; input: A2aInvocationInput; taskId: string }) => Promise<InvocationOutcome>;

export class RelayAgentExecutor implements AgentExecutor {
  /** Executions still running (a `returnImmediately` send answers first): the route keeps the Worker alive for them. */
  readonly pending: Promise<void>[] = [];

  constructor(
    private readonly calleeAgentId: string,
    private readonly callerAgentId: string,
    private readonly invoke: Invoke,
  ) {}

  execute = (requestContext: RequestContext, eventBus: ExecutionEventBus): Promise<void> => {
    const run = this.run(requestContext, eventBus);
    this.pending.push(run.catch(() => {}));
    return run;
  };

  private async run(ctx: RequestContext, eventBus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId } = ctx;
    const userMessage = ctx.userMessage;
    eventBus.publish(
      AgentEvent.task({
        id: taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: new Date().toISOString() },
        artifacts: [],
        history: [userMessage],
        metadata: { switchboard: { callee: this.calleeAgentId, caller: this.callerAgentId } },
      }),
    );
    const wire = Message.toJSON(userMessage) as { parts?: unknown[] };
    const input: A2aInvocationInput = {
      a2a: { taskId, contextId, messageId: userMessage.messageId, callerAgentId: this.callerAgentId },
      text: userMessage.parts
        .map((p) => (p.content?.$case === "text" ? p.content.value : null))
        .filter((t): t is string => t !== null)
        .join("\n"),
      parts: wire.parts ?? [],
    };
    const outcome = await this.invoke({ to: this.calleeAgentId, input, taskId });
    const runMeta = outcome.runId ? { runId: outcome.runId } : {};
    if (outcome.ok) {
      const parts = partsOf(outcome.output);
      eventBus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: `${taskId}-answer`,
            name: "answer",
            description: "The callee's reply.",
            parts,
            metadata: undefined,
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: undefined,
        }),
      );
      eventBus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state: TaskState.TASK_STATE_COMPLETED,
            message: agentMessage(taskId, contextId, parts),
            timestamp: new Date().toISOString(),
          },
          metadata: { switchboard: runMeta },
        }),
      );
    } else {
      const text = `The invocation failed (${outcome.code}): ${outcome.message}`;
      eventBus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          status: {
            state: TaskState.TASK_STATE_FAILED,
            message: agentMessage(taskId, contextId, [textPart(text)]),
            timestamp: new Date().toISOString(),
          },
          metadata: { switchboard: { ...runMeta, error: { code: outcome.code, message: outcome.message } } },
        }),
      );
    }
    eventBus.finished();
  }

  /** A relay request cannot be withdrawn once delivered; a task still WORKING is marked canceled (B's late reply is then ignored). */
  cancelTask = async (taskId: string, eventBus: ExecutionEventBus): Promise<void> => {
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: "",
        status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: new Date().toISOString() },
        metadata: undefined,
      }),
    );
    eventBus.finished();
  };
}

function textPart(text: string): Part {
  return { content: { $case: "text", value: text }, metadata: undefined, filename: "", mediaType: "text/plain" };
}

/** B's reply as parts: a string (or `{ text }`) is a text part; any other JSON a data part. */
export function partsOf(output: unknown): Part[] {
  if (typeof output === "string") return [textPart(output)];
  if (output && typeof output === "object" && !Array.isArray(output)) {
    const { text, ...rest } = output as { text?: unknown };
    if (typeof text === "string" && Object.keys(rest).length === 0) return [textPart(text)];
  }
  return [{ content: { $case: "data", value: output ?? null }, metadata: undefined, filename: "", mediaType: "application/json" }];
}

function agentMessage(taskId: string, contextId: string, parts: Part[]): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}
