/**
 * Per-socket identity, kept in the WebSocket attachment so it survives hibernation (the runtime
 * stores it with the socket; limit 2 KB — ours is a few hundred bytes). Short keys on purpose.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { ServerFrame } from "../../workers/shared/relay/protocol";
import type { TrustLevel } from "../../workers/shared/trust-levels";

export interface AgentAttachment {
  kind: "agent";
  agentId: string;
  tenantId: string;
  role: AgentTemplate;
  trust: TrustLevel;
  /** The connect token's `exp` (seconds). */
  exp: number;
  connId: string;
  /** True after `hello`: replay is done and live deliveries flow. */
  ready: boolean;
}

export interface ObserverAttachment {
  kind: "observer";
  userId: string;
  tenantId: string;
  connId: string;
}

export type Attachment = AgentAttachment | ObserverAttachment;

export const MAX_ATTACHMENT_BYTES = 2048;
export const agentTag = (agentId: string) => `agent:${agentId}`;
export const OBSERVER_TAG = "observer";

export function attachmentOf(ws: WebSocket): Attachment | null {
  return (ws.deserializeAttachment() as Attachment | null) ?? null;
}

export function setAttachment(ws: WebSocket, attachment: Attachment): void {
  ws.serializeAttachment(attachment);
}

export function sendFrame(ws: WebSocket, frame: ServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket is closing; anything it missed is replayed from its cursor on reconnect.
  }
}

/** Open, hello'd sockets of one agent (an agent may hold several connections). */
export function readySockets(ctx: DurableObjectState, agentId: string, except?: WebSocket): WebSocket[] {
  return ctx.getWebSockets(agentTag(agentId)).filter((ws) => {
    if (ws === except || ws.readyState !== WebSocket.OPEN) return false;
    const att = attachmentOf(ws);
    return att?.kind === "agent" && att.ready;
  });
}

export function observers(ctx: DurableObjectState): WebSocket[] {
  return ctx.getWebSockets(OBSERVER_TAG).filter((ws) => ws.readyState === WebSocket.OPEN);
}

export function onlineAgents(ctx: DurableObjectState): Set<string> {
  const ids = new Set<string>();
  for (const ws of ctx.getWebSockets()) {
    const att = attachmentOf(ws);
    if (att?.kind === "agent" && att.ready && ws.readyState === WebSocket.OPEN) ids.add(att.agentId);
  }
  return ids;
}
