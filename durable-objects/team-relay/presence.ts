/**
 * Presence: an agent's first ready connection announces `joined`, its last one closing announces
 * `left`. Only agents that share an allowlist edge with it (either direction) are told — who is
 * online is itself information the allowlist governs — and every observer is.
 */
import type { ServerFrame } from "../../workers/shared/relay/protocol";
import { attachmentOf, observers, readySockets, sendFrame, setAttachment, type AgentAttachment } from "./connections";
import type { Relay } from "./relay-context";

export function announce(r: Relay, agent: { agentId: string; role: AgentAttachment["role"] }, status: "joined" | "left"): void {
  const frame: ServerFrame = { type: "presence", agentId: agent.agentId, status };
  for (const ws of r.state.getWebSockets()) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    const att = attachmentOf(ws);
    if (!att) continue;
    if (att.kind === "observer") {
      sendFrame(ws, frame);
      continue;
    }
    if (!att.ready || att.agentId === agent.agentId) continue;
    const peer = { agentId: att.agentId, role: att.role };
    if (r.allowlist.allows(peer, agent) || r.allowlist.allows(agent, peer)) sendFrame(ws, frame);
  }
}

export function toObservers(r: Relay, frame: ServerFrame): void {
  for (const ws of observers(r.state)) sendFrame(ws, frame);
}

/**
 * Ends one agent connection from our side. Marks it not ready first, so the `left` announcement
 * happens exactly once (here, or in webSocketClose for connections the client ended).
 */
export function disconnect(r: Relay, ws: WebSocket, code: number, reason: string): void {
  const att = attachmentOf(ws);
  if (att?.kind === "agent" && att.ready) {
    setAttachment(ws, { ...att, ready: false });
    if (readySockets(r.state, att.agentId, ws).length === 0) announce(r, att, "left");
  }
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}

/** Tells a socket that just joined who is online already (for an agent: the peers it shares an edge with). */
export function sendPresenceSnapshot(r: Relay, ws: WebSocket, viewer: AgentAttachment | null): void {
  const seen = new Set<string>();
  for (const other of r.state.getWebSockets()) {
    const att = attachmentOf(other);
    if (other === ws || other.readyState !== WebSocket.OPEN || att?.kind !== "agent" || !att.ready || seen.has(att.agentId)) continue;
    if (viewer && (att.agentId === viewer.agentId || !(r.allowlist.allows(viewer, att) || r.allowlist.allows(att, viewer)))) continue;
    seen.add(att.agentId);
    sendFrame(ws, { type: "presence", agentId: att.agentId, status: "joined" });
  }
}
