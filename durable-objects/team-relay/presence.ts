/**
 * Presence: an agent's first live connection announces `joined`, its last one closing announces
 * `left`. Who is told is judged (judge.ts: the online agents it shares an allowlist edge with, in
 * either direction); every observer is told too. Also how a connection ends from our side.
 */
import type { AgentAttachment } from "./connections";
import { sendText } from "./connections";
import { judge } from "./judge";
import type { RelayCore } from "./relay-core";

type Subject = Pick<AgentAttachment, "agentId" | "role" | "trust" | "exp" | "ready">;

export function announce(core: RelayCore, agent: Subject, status: "joined" | "left"): void {
  const verdict = judge({ type: "presence", status }, agent, core);
  if (verdict.verdict !== "accept" || verdict.action !== "presence") return;
  const text = JSON.stringify({ type: "presence", agentId: agent.agentId, status });
  for (const peer of verdict.recipients) for (const ws of core.connections.live(peer) ?? []) sendText(ws, text);
  for (const ws of core.connections.observers()) sendText(ws, text);
}

/** Tells a socket that just went live who is online already (an agent: the peers it may see; an observer: everyone). */
export function sendPresenceSnapshot(core: RelayCore, ws: WebSocket, viewer: Subject | null): void {
  const agents = viewer ? presenceOf(core, viewer) : [...core.connections.online()].map((p) => p.agentId);
  for (const agentId of agents) sendText(ws, JSON.stringify({ type: "presence", agentId, status: "joined" }));
}

function presenceOf(core: RelayCore, viewer: Subject): string[] {
  const verdict = judge({ type: "presence-snapshot" }, viewer, core);
  return verdict.verdict === "accept" && verdict.action === "presence" ? verdict.recipients : [];
}

/**
 * Ends one connection from our side (or mirrors the client's close). The `left` announcement
 * happens exactly once, when the agent's last live socket goes; an ack not yet persisted is
 * written when the agent's last socket goes (its attachment carried it until now: cursors.ts).
 */
export function disconnect(core: RelayCore, ws: WebSocket, code: number, reason: string): void {
  const att = core.connections.forget(ws);
  if (att?.kind === "agent") {
    if (att.ready && !att.replay && !core.connections.live(att.agentId)) announce(core, att, "left");
    if (
      core.cursors.unpersistedAck(att.agentId) &&
      core.connections.ofAgent(att.agentId).every((other) => other === ws || core.connections.attachment(other) === null)
    )
      core.cursors.persist(Date.now());
  }
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
