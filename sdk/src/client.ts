/**
 * SwitchboardAgent: what an agent programs against. Sending (outbox.ts: promises answered by
 * `accepted`/`denied`/`error`, re-sent under their ids after a reconnect), receiving (inbox.ts:
 * ordered, de-duplicated, acked after the handler), requests (pending-requests.ts) and typed
 * events. The socket lifecycle — tokens, hello/resume, heartbeats, renewal, backoff, close codes —
 * is connection.ts. Wire contract: docs/protocol.md; guide: sdk/README.md.
 */
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import { RelayConnection, type ConnectionState } from "./connection";
import { Emitter } from "./emitter";
import { ClientClosedError, RelayDeniedError, RelayFrameError, SwitchboardError } from "./errors";
import { newClientId } from "./ids";
import { Inbox } from "./inbox";
import type { AgentEvents, IncomingMessage, IncomingRequest } from "./messages";
import { Outbox, type Accepted } from "./outbox";
import { PendingRequests } from "./pending-requests";
import {
  ClientFrameSchema,
  MAX_FRAME_BYTES,
  type AnsweredClientFrame,
  type MessageBody,
  type ServerFrame,
  type WelcomeFrame,
} from "./protocol";
import { TokenSource, type AgentCredentials } from "./token";
import { defaultTransport, relayUrl, wsPackageTransport, type OpenSocket, type WsConstructor } from "./transport";

export type { ConnectionState } from "./connection";

export interface SwitchboardAgentOptions extends AgentCredentials {
  /** The team whose relay to join (the agent must be a member). */
  teamId: string;
  /** A `ws`-compatible WebSocket constructor (Node 20: `(await import("ws")).WebSocket`). Default: the runtime's own. */
  WebSocket?: WsConstructor;
  /** Full control over opening the socket (overrides `WebSocket`). */
  openSocket?: OpenSocket;
  /** For the token exchange. Default: global `fetch`. */
  fetch?: typeof fetch;
  /** Ack each message after its handler returns (or its promise settles). Default true. */
  autoAck?: boolean;
  /** The last seq this agent processed in an earlier run (a persisted `agent.cursor`). */
  resumeFrom?: number;
  reconnect?: Partial<BackoffOptions>;
  /** Exchange the secret again this long before the token expires; the connection is renewed with it. Default 60 000. */
  tokenRefreshLeadMs?: number;
  /** Send `ping` this often. Default 30 000. */
  heartbeatIntervalMs?: number;
  /** A connection that has not answered a ping within this is dropped and re-opened. Default 10 000. */
  heartbeatTimeoutMs?: number;
  /** Give up on a connection attempt that has not reached `welcome` within this. Default 15 000. */
  connectTimeoutMs?: number;
  /** Default `timeoutMs` of `request()`. Default 30 000. */
  requestTimeoutMs?: number;
  /** How much longer than `timeoutMs` the client's own timer waits for the relay's `timeout` frame. Default 2 000. */
  requestGraceMs?: number;
}

export interface SendOptions {
  /** Idempotency key; generated when absent. Sending again with the same id never delivers twice. */
  clientId?: string;
  /** How long the relay keeps the message for an offline recipient (1 s – 7 days; default 24 h). */
  ttlSeconds?: number;
}

export interface RequestOptions {
  clientId?: string;
  /** 100 ms – 5 min. */
  timeoutMs?: number;
}

const CLIENT_CLOSE = { code: 1000, reason: "bye" };

export class SwitchboardAgent {
  readonly agentId: string;
  readonly teamId: string;
  readonly tokens: TokenSource;
  private readonly events = new Emitter<AgentEvents>();
  private readonly outbox = new Outbox();
  private readonly requests: PendingRequests;
  private readonly inbox: Inbox;
  private readonly connection: RelayConnection;
  private readonly requestTimeoutMs: number;
  private everConnected = false;
  private firstWelcome: { promise: Promise<WelcomeFrame>; resolve(w: WelcomeFrame): void; reject(e: unknown): void };

  constructor(options: SwitchboardAgentOptions) {
    this.agentId = options.agentId;
    this.teamId = options.teamId;
    this.tokens = new TokenSource(options, options.tokenRefreshLeadMs ?? 60_000, options.fetch ?? globalThis.fetch.bind(globalThis));
    // A request still waiting for `accepted` when its time is up is dropped, not re-sent later.
    this.requests = new PendingRequests(options.requestGraceMs ?? 2_000, (id, err) => this.outbox.reject(id, err));
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.connection = new RelayConnection(
      {
        url: relayUrl(options.url, options.teamId),
        openSocket: options.openSocket ?? (options.WebSocket ? wsPackageTransport(options.WebSocket) : defaultTransport()),
        tokens: this.tokens,
        backoff: new Backoff({ ...DEFAULT_BACKOFF, ...options.reconnect }),
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 30_000,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 10_000,
        connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      },
      {
        events: this.events,
        resumeFrom: () => this.inbox.ackedSeq,
        onWelcome: (welcome) => this.onWelcome(welcome),
        onFrame: (frame) => this.onFrame(frame),
        onDown: () => this.inbox.disconnected(),
        onStopped: (error) => {
          this.outbox.rejectAll(error);
          this.requests.rejectAll(error);
          this.firstWelcome.reject(error);
        },
      },
    );
    this.inbox = new Inbox({
      autoAck: options.autoAck ?? true,
      resumeFrom: options.resumeFrom ?? 0,
      sendAck: (seq) => this.connection.send({ type: "ack", seq }),
      claim: (message) =>
        message.kind === "reply" &&
        message.inReplyTo !== undefined &&
        this.requests.replied(message as IncomingMessage & { inReplyTo: string }),
      dispatch: (message) => this.dispatch(message),
      reply: (message, body, clientId) => this.submit({ type: "reply", id: clientId ?? newClientId(), inReplyTo: message.id, body }),
      onHandlerError: (err) =>
        this.emitError(
          new SwitchboardError(`A message handler threw: ${String((err as Error)?.message ?? err)}`, "handler_failed", { cause: err }),
        ),
    });
    let resolve!: (w: WelcomeFrame) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<WelcomeFrame>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {});
    this.firstWelcome = { promise, resolve, reject };
  }

  // ---- public API

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => unknown): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => unknown): void {
    this.events.off(event, listener);
  }

  /** Resolves with the next payload of `event`. */
  once<K extends keyof AgentEvents>(event: K): Promise<AgentEvents[K]> {
    return this.events.once(event);
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** The last seq this agent acknowledged: persist it and pass it as `resumeFrom` to continue elsewhere. */
  get cursor(): number {
    return this.inbox.ackedSeq;
  }

  /**
   * Opens the connection (and keeps it open until `close()`). Resolves on the first `welcome`;
   * rejects if the agent can never connect (wrong secret, suspended, not in the team).
   */
  connect(): Promise<WelcomeFrame> {
    if (this.connection.state === "closed") return Promise.reject(new ClientClosedError());
    this.connection.start();
    return this.firstWelcome.promise;
  }

  /** A direct message. Resolves once the relay has stored it (`accepted`). */
  send(to: string, body: MessageBody, options: SendOptions = {}): Promise<Accepted> {
    return this.submit({
      type: "send",
      id: options.clientId ?? newClientId(),
      to,
      body,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    });
  }

  /** To every team member this agent has an allowlist edge to (trust level 2+). */
  broadcast(body: MessageBody, options: SendOptions = {}): Promise<Accepted> {
    return this.submit({
      type: "broadcast",
      id: options.clientId ?? newClientId(),
      body,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    });
  }

  /** Sends a request and resolves with the reply. Rejects with `RequestTimeoutError` when none comes in time. */
  async request(to: string, body: MessageBody, options: RequestOptions = {}): Promise<IncomingMessage> {
    const id = options.clientId ?? newClientId();
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    if (this.requests.has(id))
      throw new SwitchboardError(`A request with client id ${id} is already waiting for its reply.`, "duplicate_request");
    const reply = this.requests.add(id, timeoutMs);
    try {
      // The deadline runs from now, connected or not: a request stuck offline times out too.
      await Promise.race([this.submit({ type: "request", id, to, body, timeoutMs }), reply]);
    } catch (err) {
      this.requests.drop(id);
      throw err;
    }
    return reply;
  }

  subscribe(topic: string, options: { clientId?: string } = {}): Promise<Accepted> {
    return this.submit({ type: "subscribe", id: options.clientId ?? newClientId(), topic });
  }

  unsubscribe(topic: string, options: { clientId?: string } = {}): Promise<Accepted> {
    return this.submit({ type: "unsubscribe", id: options.clientId ?? newClientId(), topic });
  }

  publish(topic: string, body: MessageBody, options: SendOptions = {}): Promise<Accepted> {
    return this.submit({
      type: "publish",
      id: options.clientId ?? newClientId(),
      topic,
      body,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
    });
  }

  /** Acknowledges every message up to `seq` (only needed with `autoAck: false`). */
  ack(seq: number): void {
    this.inbox.ack(seq);
  }

  /**
   * Waits (up to `drainTimeoutMs`) for the handlers of every message delivered so far, sends the
   * last ack, and closes for good. The bound matters when close() is called from inside a handler,
   * which can never finish first; a message whose handler did not finish stays unacknowledged and
   * is delivered again to the agent's next connection.
   */
  async close({ drainTimeoutMs = 5_000 }: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.connection.state === "closed") return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.inbox.drained(), new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)))]);
    clearTimeout(timer);
    this.inbox.flushAck();
    this.connection.stop(new ClientClosedError(), CLIENT_CLOSE.code, CLIENT_CLOSE.reason);
  }

  // ---- sending

  private submit(frame: AnsweredClientFrame): Promise<Accepted> {
    if (this.connection.state === "closed") return Promise.reject(new ClientClosedError());
    const checked = ClientFrameSchema.safeParse(frame);
    if (!checked.success) {
      return Promise.reject(
        new SwitchboardError(
          `Invalid ${frame.type} frame: ${checked.error.issues.map((i) => `${i.path.join(".") || "(frame)"}: ${i.message}`).join("; ")}`,
          "invalid_frame",
        ),
      );
    }
    const size = new TextEncoder().encode(JSON.stringify(frame)).byteLength;
    if (size > MAX_FRAME_BYTES)
      return Promise.reject(
        new SwitchboardError(`Frames are limited to ${MAX_FRAME_BYTES} bytes; this one has ${size}.`, "frame_too_large"),
      );
    const { promise, added } = this.outbox.add(frame);
    // Sent now if connected; otherwise the outbox goes out right after the next welcome.
    if (added && this.connection.ready) this.connection.send(frame);
    return promise;
  }

  // ---- receiving

  private onWelcome(welcome: WelcomeFrame): void {
    this.inbox.welcomed(welcome.resumeFrom);
    const resumed = this.everConnected;
    this.everConnected = true;
    this.events.emit("connected", { welcome, resumed }, (err) => this.listenerFailed(err));
    // Replay follows welcome at once; frames still waiting for an answer go out again, same ids.
    for (const frame of this.outbox.frames()) this.connection.send(frame);
    this.firstWelcome.resolve(welcome);
  }

  private onFrame(frame: Exclude<ServerFrame, { type: "welcome" }>): void {
    switch (frame.type) {
      case "accepted":
        this.outbox.accepted(frame.id, frame.seq);
        return;
      case "deliver":
        return this.inbox.deliver(frame);
      case "presence":
        this.events.emit("presence", frame, (err) => this.listenerFailed(err));
        return;
      case "denied":
        this.requests.drop(frame.id);
        this.outbox.denied(frame);
        this.events.emit("denied", { frame, error: new RelayDeniedError(frame) }, (err) => this.listenerFailed(err));
        return;
      case "error":
        if (frame.id !== null) this.requests.drop(frame.id);
        this.outbox.failed(frame);
        this.events.emit("error", new RelayFrameError(frame));
        return;
      case "timeout":
        this.requests.timedOut(frame.id, "relay");
        return;
    }
  }

  /** Hands one message to the listeners (replies to pending requests were claimed already); the inbox awaits what they return, then acks. */
  private dispatch(message: IncomingMessage): unknown[] {
    if (message.kind === "request") return this.events.emit("request", message as IncomingRequest, (err) => this.listenerFailed(err));
    return this.events.emit("message", message, (err) => this.listenerFailed(err));
  }

  private emitError(error: SwitchboardError): void {
    this.events.emit("error", error);
  }

  private listenerFailed(err: unknown): void {
    this.emitError(
      new SwitchboardError(`An event listener threw: ${String((err as Error)?.message ?? err)}`, "handler_failed", { cause: err }),
    );
  }
}
