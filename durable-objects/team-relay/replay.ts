/**
 * Replay after `hello`, paginated: an agent coming back to a backlog of 10,000 messages must not
 * make the relay read them all into memory, nor push them all into one socket's send buffer. The
 * relay sends one page (`limits.replayPage` deliver frames, read with a LIMIT), then the next page
 * only once the agent's acks have covered the first half of the one before — a window of at most
 * two pages in flight, which keeps a steady stream going without unbounded buffering. Until the
 * backlog is drained the socket is not *live*: messages accepted meanwhile are in the log after
 * the page already sent, so the next page includes them, in seq order, with no gap. When a page
 * comes back short the socket goes live at once (same synchronous run: no live delivery can slip
 * in between), and its agent is announced as joined.
 *
 * The replay position is in the socket's attachment (`replay`), so it survives hibernation.
 */
import type { AgentAttachment } from "./connections";
import { sendText } from "./connections";
import { deliverText, replayPage } from "./delivery";
import { announce, sendPresenceSnapshot } from "./presence";
import type { RelayCore } from "./relay-core";

/** After `welcome`: two pages from `from` (or everything, and live, if the backlog is shorter). */
export function startReplay(core: RelayCore, ws: WebSocket, att: AgentAttachment, from: number): void {
  const first = sendPage(core, ws, att.agentId, from);
  if (first === null) return goLive(core, ws, att);
  const second = sendPage(core, ws, att.agentId, first);
  if (second === null) return goLive(core, ws, att);
  core.connections.set(ws, { ...att, ready: true, replay: { sent: second, nextAt: first } });
}

/** On an ack from a replaying agent: once it covers the older page in flight, one more page. */
export function onReplayAck(core: RelayCore, ws: WebSocket, att: AgentAttachment, acked: number): void {
  if (!att.replay || acked < att.replay.nextAt) return;
  const next = sendPage(core, ws, att.agentId, att.replay.sent);
  if (next === null) return goLive(core, ws, att);
  core.connections.set(ws, { ...att, replay: { sent: next, nextAt: att.replay.sent } });
}

/** Sends the page after `after`; returns its last seq if the page was full (more may follow), null if it was the last. */
function sendPage(core: RelayCore, ws: WebSocket, agentId: string, after: number): number | null {
  const messages = replayPage(core.sql, agentId, after, core.now, core.limits.replayPage);
  for (const m of messages) sendText(ws, deliverText(m));
  return messages.length < core.limits.replayPage ? null : messages[messages.length - 1]!.seq;
}

function goLive(core: RelayCore, ws: WebSocket, att: AgentAttachment): void {
  const first = !core.connections.live(att.agentId);
  const live: AgentAttachment = { ...att, ready: true, replay: null };
  core.connections.set(ws, live);
  if (first) announce(core, live, "joined");
  sendPresenceSnapshot(core, ws, live);
}
