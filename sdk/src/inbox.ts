/**
 * Incoming messages: de-duplicated by seq, handed to the handlers one at a time in seq order, and
 * acknowledged after their handler finishes. The relay replays everything after the last ack on
 * every connection, so a message whose handler was still running when the socket dropped comes
 * again; the seq check (skip what this process has already taken in) makes each message reach
 * the handlers exactly once per process, and at least once across crashes.
 */
import type { IncomingMessage, IncomingRequest, ReplyOptions } from "./messages";
import type { Accepted } from "./outbox";
import type { DeliverFrame, MessageBody } from "./protocol";

export interface InboxHooks {
  autoAck: boolean;
  /** The cursor to start from (a persisted `agent.cursor`). */
  resumeFrom: number;
  /** Sends an `ack` frame; false when not connected (the next `hello` carries the cursor instead). */
  sendAck(seq: number): boolean;
  /**
   * Offered every message as it arrives, before the queue: true if it was consumed right away (a
   * reply a pending `request()` is waiting for). Replies must not wait behind the handler that is
   * running, since that handler may be the one awaiting them.
   */
  claim(message: IncomingMessage): boolean;
  /** Calls the listeners; returns what they returned (promises are awaited). */
  dispatch(message: IncomingMessage): unknown[];
  reply(message: IncomingMessage, body: MessageBody, clientId: string | undefined): Promise<Accepted>;
  onHandlerError(err: unknown): void;
}

export class Inbox {
  /** Everything up to here is processed (and acked, or about to be). */
  ackedSeq: number;
  /** The highest seq taken in by this process (queued or handled). */
  private highestSeen: number;
  private sentAckSeq: number;
  private chain: Promise<void> = Promise.resolve();
  private ackTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly hooks: InboxHooks) {
    this.ackedSeq = hooks.resumeFrom;
    this.highestSeen = hooks.resumeFrom;
    this.sentAckSeq = hooks.resumeFrom;
  }

  deliver(frame: DeliverFrame): void {
    if (frame.seq <= this.highestSeen) return; // replayed, and already ours
    this.highestSeen = frame.seq;
    const message = this.toMessage(frame);
    // A claimed reply keeps its place in the queue only for the ack, which must stay in seq order.
    const claimed = this.hooks.claim(message);
    this.chain = this.chain.then(() => (claimed ? this.processed(message) : this.run(message)));
  }

  /** After `welcome`: the relay replays from `resumeFrom` (its cursor: our acks, or another process's). */
  welcomed(resumeFrom: number): void {
    this.highestSeen = Math.max(this.highestSeen, resumeFrom);
    this.ackedSeq = Math.max(this.ackedSeq, resumeFrom);
    this.sentAckSeq = Math.max(this.sentAckSeq, resumeFrom);
    this.flushAck();
  }

  disconnected(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  ack(seq: number): void {
    if (seq <= this.ackedSeq) return;
    this.ackedSeq = seq;
    // Coalesced: a burst of messages handled in one turn costs one ack frame.
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = null;
      this.flushAck();
    }, 0);
  }

  flushAck(): void {
    if (this.ackedSeq > this.sentAckSeq && this.hooks.sendAck(this.ackedSeq)) this.sentAckSeq = this.ackedSeq;
  }

  /** Resolves once every message taken in so far has been handled. */
  drained(): Promise<void> {
    return this.chain;
  }

  private async run(message: IncomingMessage): Promise<void> {
    const results = this.hooks.dispatch(message);
    let answer: unknown;
    for (const result of results) {
      try {
        const value = await result;
        if (answer === undefined) answer = value;
      } catch (err) {
        this.hooks.onHandlerError(err);
      }
    }
    // A request handler may answer by returning a value instead of calling reply().
    if (message.kind === "request" && answer !== undefined && !(message as IncomingRequest).replied) {
      await (message as IncomingRequest).reply(answer).catch((err: unknown) => this.hooks.onHandlerError(err));
    }
    // A handler that threw is reported, and its message acked all the same: a poison message must not block the queue.
    this.processed(message);
  }

  private processed(message: IncomingMessage): void {
    if (this.hooks.autoAck) this.ack(message.seq);
  }

  private toMessage(frame: DeliverFrame): IncomingMessage {
    const { type: _type, to: _to, ...fields } = frame;
    const message: IncomingMessage = { ...fields, frame, ack: () => this.ack(frame.seq) };
    if (frame.kind !== "request") return message;
    let replied = false;
    const request = message as IncomingRequest;
    request.reply = (body: MessageBody, options: ReplyOptions = {}) => {
      replied = true;
      return this.hooks.reply(message, body, options.clientId);
    };
    Object.defineProperty(request, "replied", { get: () => replied, enumerable: true });
    return request;
  }
}
