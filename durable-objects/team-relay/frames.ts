/**
 * The frame path: read the connection's identity, gate it (token expiry, suspension), parse the
 * frame, make sure the members it names are known, judge it, apply the verdict. Frames are handled
 * one at a time in arrival order. The path is synchronous — no `await`, no promise per frame — except
 * in the rare case a frame names an agent the relay does not know yet (a D1 member refresh): then
 * that frame and every frame after it wait in a queue until it is done. Contract: docs/protocol.md.
 */
import { log } from "../../workers/shared/observability/log";
import { parseClientFrame, type ClientFrame } from "../../workers/shared/relay/protocol";
import { applyVerdict, sendError } from "./effects";
import { judge, judgeConnection } from "./judge";
import { fetchMembers, REFRESH_INTERVAL_MS } from "./members";
import { disconnect } from "./presence";
import type { RelayCore } from "./relay-core";

export class FramePath {
  /** Set while a frame awaits a member refresh: frames behind it queue here, in order. */
  private pending: Promise<void> | null = null;

  constructor(private readonly core: RelayCore) {}

  /** Handles one inbound message; returns a promise only when it had to wait. */
  receive(ws: WebSocket, data: string | ArrayBuffer): void | Promise<void> {
    if (this.pending) return this.enqueue(ws, () => this.handle(ws, data));
    try {
      const waiting = this.handle(ws, data);
      if (waiting) return this.enqueue(ws, () => waiting);
    } catch (err) {
      this.failed(ws, err);
    }
  }

  /** Reloads the member list from D1; without `force`, at most once per REFRESH_INTERVAL_MS. Returns whether it did. */
  async refreshMembers(force: boolean): Promise<boolean> {
    const core = this.core;
    const now = Date.now();
    if (!force && now - core.lastMemberRefresh < REFRESH_INTERVAL_MS) return false;
    core.lastMemberRefresh = now;
    for (const gone of core.roster.replace(await fetchMembers(core.env.DB, core.teamId))) core.subscriptions.removeAgent(gone);
    return true;
  }

  private enqueue(ws: WebSocket, run: () => void | Promise<void>): Promise<void> {
    const next = (this.pending ?? Promise.resolve()).then(run).catch((err: unknown) => this.failed(ws, err));
    this.pending = next;
    void next.then(() => {
      if (this.pending === next) this.pending = null;
    });
    return next;
  }

  /** Synchronous unless the frame names an unknown agent: then the promise of the rest. */
  private handle(ws: WebSocket, data: string | ArrayBuffer): void | Promise<void> {
    const core = this.core;
    const att = core.connections.attachment(ws);
    if (!att) return ws.close(1011, "lost identity");
    if (att.kind === "observer") return sendError(ws, null, "not_allowed", "Observer connections are read-only.");
    core.now = Date.now();
    const gate = judgeConnection(att, core);
    if (gate) return disconnect(core, ws, gate.code, gate.reason);
    const parsed = parseClientFrame(data);
    if (!parsed.ok) return sendError(ws, parsed.id, parsed.code, parsed.message);
    // The tenant's guardrail policy (held.ts): a direct message waits for the first load; later ones refresh in the background.
    if (parsed.frame.type === "send" || parsed.frame.type === "request") {
      const freshness = core.governance.freshness(Date.now());
      if (freshness === "wait") return core.governance.load(core.env, core.tenantId).then(() => this.handle(ws, data));
      if (freshness === "refresh") core.ctx.waitUntil(core.governance.load(core.env, core.tenantId));
    }
    const unknown = unknownRecipient(core, parsed.frame);
    if (unknown && Date.now() - core.lastMemberRefresh >= REFRESH_INTERVAL_MS) {
      return this.refreshMembers(false).then(() => {
        core.now = Date.now();
        this.decide(ws, parsed.frame);
      });
    }
    this.decide(ws, parsed.frame);
  }

  private decide(ws: WebSocket, frame: ClientFrame): void {
    const att = this.core.connections.attachment(ws);
    if (att?.kind !== "agent") return; // closed while waiting
    applyVerdict(this.core, ws, att, frame, judge(frame, att, this.core));
  }

  private failed(ws: WebSocket, err: unknown): void {
    log.error("relay frame failed", { teamId: this.core.teamId, error: err });
    sendError(ws, null, "internal_error", "The relay could not handle this frame; it was not accepted.");
  }
}

/** The recipient a send/request names, if the relay does not know it (it may have joined the team since the last refresh). */
function unknownRecipient(core: RelayCore, frame: ClientFrame): string | null {
  if ((frame.type === "send" || frame.type === "request") && frame.to !== undefined && !core.roster.get(frame.to)) return frame.to;
  return null;
}
