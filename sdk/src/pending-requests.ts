/**
 * Requests waiting for their reply. The relay sends `timeout` when a request's `timeoutMs` passes
 * unanswered, but only if the requester is connected then (docs/protocol.md), so the client keeps
 * its own timer as well, a little longer, so that the relay's answer normally wins.
 */
import { ClientClosedError, RequestTimeoutError, type SwitchboardError } from "./errors";
import type { IncomingMessage } from "./messages";

interface Pending {
  resolve(reply: IncomingMessage): void;
  reject(err: SwitchboardError): void;
  timer: ReturnType<typeof setTimeout>;
  timeoutMs: number;
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly graceMs: number,
    /** The client's timer fired: the request frame, if still unanswered, must not be sent again. */
    private readonly onClientTimeout: (id: string, err: RequestTimeoutError) => void = () => {},
  ) {}

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** Registers a request; the promise settles with its reply or a `RequestTimeoutError`. */
  add(id: string, timeoutMs: number): Promise<IncomingMessage> {
    const promise = new Promise<IncomingMessage>((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(id, "client"), timeoutMs + this.graceMs);
      this.pending.set(id, { resolve, reject, timer, timeoutMs });
    });
    // The caller awaits `accepted` first; an early timeout must not count as an unhandled rejection.
    promise.catch(() => {});
    return promise;
  }

  replied(reply: IncomingMessage & { inReplyTo: string }): boolean {
    const p = this.take(reply.inReplyTo);
    p?.resolve(reply);
    return p !== undefined;
  }

  timedOut(id: string, source: "relay" | "client"): boolean {
    const p = this.take(id);
    if (!p) return false;
    const err = new RequestTimeoutError(id, source, p.timeoutMs);
    p.reject(err);
    if (source === "client") this.onClientTimeout(id, err);
    return true;
  }

  /** Forgets a request without settling it (its frame was refused: the caller gets that error instead). */
  drop(id: string): void {
    this.take(id);
  }

  rejectAll(err: SwitchboardError = new ClientClosedError()): void {
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(err);
  }

  private take(id: string): Pending | undefined {
    const p = this.pending.get(id);
    if (p) {
      clearTimeout(p.timer);
      this.pending.delete(id);
    }
    return p;
  }
}
