/**
 * Frames sent and not yet answered. Each keeps its client id until the relay answers, so after a
 * reconnect the same frame (same id) is sent again and the relay's idempotency check turns a
 * duplicate into the original `accepted` — nothing is lost and nothing is delivered twice.
 */
import { ClientClosedError, RelayDeniedError, RelayFrameError, type SwitchboardError } from "./errors";
import type { AnsweredClientFrame, DeniedFrame, ErrorFrame } from "./protocol";

export interface Accepted {
  /** The frame's client id. */
  id: string;
  /** The message's per-team sequence number (for subscribe/unsubscribe: the team's head). */
  seq: number;
}

interface Entry {
  frame: AnsweredClientFrame;
  promise: Promise<Accepted>;
  resolve(accepted: Accepted): void;
  reject(err: SwitchboardError): void;
}

export class Outbox {
  /** Insertion-ordered: re-sent in the order they were first sent. */
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Adds a frame (or returns the promise of the one already waiting under this id). */
  add(frame: AnsweredClientFrame): { promise: Promise<Accepted>; added: boolean } {
    const existing = this.entries.get(frame.id);
    if (existing) return { promise: existing.promise, added: false };
    let resolve!: Entry["resolve"];
    let reject!: Entry["reject"];
    const promise = new Promise<Accepted>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.entries.set(frame.id, { frame, promise, resolve, reject });
    return { promise, added: true };
  }

  /** Every waiting frame, oldest first. */
  frames(): AnsweredClientFrame[] {
    return [...this.entries.values()].map((e) => e.frame);
  }

  accepted(id: string, seq: number): boolean {
    const entry = this.take(id);
    entry?.resolve({ id, seq });
    return entry !== undefined;
  }

  denied(frame: DeniedFrame): boolean {
    const entry = this.take(frame.id);
    entry?.reject(new RelayDeniedError(frame));
    return entry !== undefined;
  }

  failed(frame: ErrorFrame): boolean {
    const entry = frame.id === null ? undefined : this.take(frame.id);
    entry?.reject(new RelayFrameError(frame));
    return entry !== undefined;
  }

  /** Rejects one frame (e.g. it could not be sent at all). */
  reject(id: string, err: SwitchboardError): void {
    this.take(id)?.reject(err);
  }

  /** Rejects everything (the client closed or stopped for good). */
  rejectAll(err: SwitchboardError = new ClientClosedError()): void {
    for (const id of [...this.entries.keys()]) this.reject(id, err);
  }

  private take(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry;
  }
}
