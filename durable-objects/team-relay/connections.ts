/**
 * The relay's connections. Per-socket identity lives in the WebSocket attachment, so it survives
 * hibernation (the runtime stores it with the socket; limit 2 KB — ours is a few hundred bytes;
 * short keys on purpose). This registry mirrors the attachments in memory, indexed by agent, so
 * finding a recipient's live sockets or a sender's identity costs no deserialisation per frame: it
 * is rebuilt from `getWebSockets()` when the object starts (the runtime hands the same socket
 * objects to every event of one instance — checked in connections.test.ts).
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { Party } from "../../workers/shared/relay/allowlist";
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
  /** True after `hello`: frames other than hello are accepted. */
  ready: boolean;
  /**
   * Set while a `hello`'s replay is paginated (replay.ts): the last seq sent, and the ack that
   * releases the next page. Live deliveries start once it is null again.
   */
  replay?: { sent: number; nextAt: number } | null;
  /** The latest ack received on this socket (a copy, so an eviction loses no ack: cursors.ts). */
  acked?: number;
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

/** Whether live deliveries go to this socket: hello'd and its replay finished. */
export const isLive = (att: AgentAttachment) => att.ready && !att.replay;

export class Connections {
  private readonly attachments = new Map<WebSocket, Attachment>();
  /** Live sockets (hello'd, replay done) by agent. */
  private readonly liveByAgent = new Map<string, Set<WebSocket>>();
  private readonly observerSockets = new Set<WebSocket>();
  /** Sockets this instance closed or saw close: never indexed again (their attachment outlives them). */
  private readonly gone = new WeakSet<WebSocket>();

  constructor(private readonly ctx: DurableObjectState) {
    for (const ws of ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as Attachment | null;
      if (att) this.index(ws, att);
    }
  }

  attachment(ws: WebSocket): Attachment | null {
    const cached = this.attachments.get(ws);
    if (cached) return cached;
    if (this.gone.has(ws)) return null;
    const att = ws.deserializeAttachment() as Attachment | null;
    if (att) this.index(ws, att);
    return att;
  }

  /** Stores the attachment with the socket (survives hibernation) and in the registry. */
  set(ws: WebSocket, att: Attachment): void {
    ws.serializeAttachment(att);
    this.unindex(ws);
    this.index(ws, att);
  }

  /** The socket is gone (closed by either side). Returns its attachment, or null if it was already forgotten. */
  forget(ws: WebSocket): Attachment | null {
    const att = this.attachment(ws);
    this.unindex(ws);
    this.gone.add(ws);
    return att;
  }

  live(agentId: string): ReadonlySet<WebSocket> | undefined {
    return this.liveByAgent.get(agentId);
  }

  observers(): ReadonlySet<WebSocket> {
    return this.observerSockets;
  }

  /** Every open socket of an agent, hello'd or not. */
  ofAgent(agentId: string): WebSocket[] {
    return this.ctx.getWebSockets(agentTag(agentId));
  }

  /** Agents with at least one live socket, each once, with their role. */
  *online(): Iterable<Party> {
    for (const [agentId, sockets] of this.liveByAgent) {
      for (const ws of sockets) {
        const att = this.attachments.get(ws);
        if (att?.kind === "agent") {
          yield { agentId, role: att.role };
          break;
        }
      }
    }
  }

  /** The highest ack each agent's open sockets carry (for cursors after a wake). */
  *carriedAcks(): Iterable<[string, number]> {
    for (const att of this.attachments.values()) if (att.kind === "agent" && att.acked) yield [att.agentId, att.acked];
  }

  private index(ws: WebSocket, att: Attachment): void {
    this.attachments.set(ws, att);
    if (att.kind === "observer") this.observerSockets.add(ws);
    else if (isLive(att)) {
      const set = this.liveByAgent.get(att.agentId);
      if (set) set.add(ws);
      else this.liveByAgent.set(att.agentId, new Set([ws]));
    }
  }

  private unindex(ws: WebSocket): void {
    const att = this.attachments.get(ws);
    if (!att) return;
    this.attachments.delete(ws);
    if (att.kind === "observer") this.observerSockets.delete(ws);
    else {
      const set = this.liveByAgent.get(att.agentId);
      if (set?.delete(ws) && set.size === 0) this.liveByAgent.delete(att.agentId);
    }
  }
}

/** Sends a frame's JSON text; a socket that is closing is skipped (what it missed is replayed from its cursor). */
export function sendText(ws: Pick<WebSocket, "send">, text: string): void {
  try {
    ws.send(text);
  } catch {
    // closing
  }
}
