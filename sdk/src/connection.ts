/**
 * The socket lifecycle of one agent: open with a token, `hello`, heartbeats, renewal before the
 * token expires, reconnect with backoff, and the close codes that end it for good. It knows
 * nothing about messages: validated frames go to the client through hooks.
 */
import type { Backoff } from "./backoff";
import type { Emitter } from "./emitter";
import { ClientClosedError, ConnectionClosedError, SwitchboardError, TokenExchangeError } from "./errors";
import type { AgentEvents } from "./messages";
import {
  CLOSE_CODES,
  HEARTBEAT,
  parseServerFrame,
  PROTOCOL_VERSION,
  type ClientFrame,
  type ServerFrame,
  type WelcomeFrame,
} from "./protocol";
import type { TokenSource } from "./token";
import { OPEN, type OpenSocket, type SocketLike } from "./transport";

export type ConnectionState = "idle" | "connecting" | "open" | "closed";

export interface ConnectionOptions {
  url: string;
  openSocket: OpenSocket;
  tokens: TokenSource;
  backoff: Backoff;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface ConnectionHooks {
  /** `disconnected`, `reconnecting` and `error` are emitted here. */
  events: Emitter<AgentEvents>;
  /** The `resumeFrom` of the next `hello` (the last acknowledged seq). */
  resumeFrom(): number;
  onWelcome(welcome: WelcomeFrame): void;
  onFrame(frame: Exclude<ServerFrame, { type: "welcome" }>): void;
  /** The socket is gone; a reconnect may follow. */
  onDown(): void;
  /** The connection ended for good (`error` says why); called before the final `disconnected`. */
  onStopped(error: SwitchboardError): void;
}

const CLIENT_CLOSE = { code: 1000, reason: "bye" };
const RENEW_CLOSE = { code: 1000, reason: "token refresh" };
const DEAD_CLOSE = { code: 4000, reason: "heartbeat timeout" };
const SLOW_CLOSE = { code: 4000, reason: "connect timeout" };
const RENEW_RETRY_MS = 15_000;

export class RelayConnection {
  private current: ConnectionState = "idle";
  private socket: SocketLike | null = null;
  /** Bumped for every socket; events of a socket we abandoned are ignored by comparing it. */
  private generation = 0;
  private welcomed = false;
  private consecutiveTokenRejections = 0;
  private timers: {
    reconnect?: ReturnType<typeof setTimeout>;
    connect?: ReturnType<typeof setTimeout>;
    refresh?: ReturnType<typeof setTimeout>;
    ping?: ReturnType<typeof setInterval>;
    pong?: ReturnType<typeof setTimeout>;
  } = {};

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** `welcome` received on the current socket: frames may be sent. */
  get ready(): boolean {
    return this.welcomed;
  }

  start(): void {
    if (this.current === "idle") void this.open();
  }

  /** Sends on the current socket; false when there is none (the caller keeps the frame for later). */
  send(frame: ClientFrame | typeof HEARTBEAT.request): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) return false;
    try {
      socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
      return true;
    } catch {
      return false; // the close event follows
    }
  }

  /** Ends everything: no more reconnects. */
  stop(error: SwitchboardError, code: number, reason: string): void {
    if (this.current === "closed") return;
    const socket = this.socket;
    const byClient = error instanceof ClientClosedError;
    this.current = "closed";
    this.generation++;
    if (socket) this.teardown();
    clearTimeout(this.timers.reconnect);
    if (socket) safeClose(socket, CLIENT_CLOSE);
    this.hooks.onStopped(error);
    if (!byClient) this.hooks.events.emit("error", error);
    this.hooks.events.emit("disconnected", { code, reason, willReconnect: false, ...(byClient ? {} : { error }) }, (err) =>
      this.listenerFailed(err),
    );
  }

  // ---- opening

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.current = "connecting";
    this.welcomed = false;
    const { tokens } = this.options;
    let token: string;
    try {
      token = (await (tokens.dueForRenewal ? tokens.refresh() : tokens.get())).token;
    } catch (err) {
      if (this.superseded(generation)) return;
      const error = err instanceof SwitchboardError ? err : new TokenExchangeError(String(err), "token_exchange_failed", 0);
      // Wrong secret, suspended, not in the team: retrying cannot help.
      if (error instanceof TokenExchangeError && error.fatal) return this.stop(error, 0, error.message);
      this.hooks.events.emit("error", error);
      const retryAfter = error instanceof TokenExchangeError ? error.retryAfterMs : null;
      return this.scheduleReconnect(
        "token_exchange_failed",
        retryAfter === null ? null : Math.max(retryAfter, this.options.backoff.next() ?? 0),
      );
    }
    if (this.superseded(generation)) return;
    let socket: SocketLike;
    try {
      socket = await this.options.openSocket({ url: this.options.url, token });
    } catch (err) {
      if (this.superseded(generation)) return;
      tokens.invalidate();
      this.hooks.events.emit(
        "error",
        new SwitchboardError(`Could not open the relay connection: ${String((err as Error)?.message ?? err)}`, "connect_failed", {
          cause: err,
        }),
      );
      return this.scheduleReconnect("connect_failed");
    }
    if (this.superseded(generation)) return safeClose(socket, CLIENT_CLOSE);
    this.socket = socket;
    this.timers.connect = setTimeout(() => this.abandon(generation, SLOW_CLOSE, "connect_timeout"), this.options.connectTimeoutMs);
    let opened = socket.readyState === OPEN;
    const hello = () => {
      const resumeFrom = this.hooks.resumeFrom();
      this.send({ type: "hello", v: PROTOCOL_VERSION, ...(resumeFrom > 0 ? { resumeFrom } : {}) });
    };
    socket.addEventListener("open", () => {
      if (generation !== this.generation) return;
      opened = true;
      hello();
    });
    socket.addEventListener("message", (event: { data: unknown }) => {
      if (generation !== this.generation) return;
      this.onMessage(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer));
    });
    socket.addEventListener("close", (event: { code?: number; reason?: string }) => {
      if (generation !== this.generation) return;
      this.onClose(event.code ?? 1006, event.reason ?? "", opened);
    });
    socket.addEventListener("error", () => {
      // A close event follows every error; that is where the connection is handled.
    });
    if (opened) hello(); // Workers' fetch upgrade hands back a socket that is already open
  }

  /** A method, so TypeScript does not narrow `current` across the awaits of open(). */
  private superseded(generation: number): boolean {
    return generation !== this.generation || this.current === "closed";
  }

  private onMessage(text: string): void {
    this.heartbeatAnswered();
    if (text === HEARTBEAT.response) return;
    const parsed = parseServerFrame(text);
    if (parsed.kind === "unknown") return; // newer relay, newer frame type: ignore (docs/protocol.md, Versioning)
    if (parsed.kind === "invalid") {
      this.hooks.events.emit("error", new SwitchboardError(parsed.message, "invalid_server_frame"));
      return;
    }
    if (parsed.frame.type === "welcome") return this.onWelcome(parsed.frame);
    this.hooks.onFrame(parsed.frame);
  }

  private onWelcome(welcome: WelcomeFrame): void {
    clearTimeout(this.timers.connect);
    this.welcomed = true;
    this.current = "open";
    this.consecutiveTokenRejections = 0;
    this.options.backoff.connected();
    this.startHeartbeat();
    this.scheduleRenewal();
    this.hooks.onWelcome(welcome);
  }

  // ---- closing

  private onClose(code: number, reason: string, opened: boolean): void {
    this.teardown();
    if (code === CLOSE_CODES.suspended.code)
      return this.stop(
        new ConnectionClosedError("The agent was suspended (close 4003); an admin must resume it.", "agent_suspended", code),
        code,
        reason,
      );
    if (code === CLOSE_CODES.protocolVersion.code)
      return this.stop(
        new ConnectionClosedError(
          "The relay does not speak this SDK's protocol version (close 4400).",
          "unsupported_protocol_version",
          code,
        ),
        code,
        reason,
      );
    this.hooks.events.emit("disconnected", { code, reason, willReconnect: true }, (err) => this.listenerFailed(err));
    if (code === CLOSE_CODES.tokenInvalid.code) {
      // Exchange once more and reconnect at once; if the exchange is refused, open() stops for good.
      this.options.tokens.invalidate();
      this.consecutiveTokenRejections++;
      return this.scheduleReconnect("token_invalid", this.consecutiveTokenRejections === 1 ? 0 : null);
    }
    // Refused before the upgrade (401, 403, 429…): browsers cannot see why, so exchange again next time.
    if (!opened) this.options.tokens.invalidate();
    this.scheduleReconnect(opened ? "closed" : "connect_failed");
  }

  /** Drops a socket from our side (dead, slow or being renewed) and carries on as if it had closed. */
  private abandon(generation: number, close: { code: number; reason: string }, why: string, delayMs: number | null = null): void {
    if (generation !== this.generation || !this.socket) return;
    const socket = this.socket;
    this.generation++; // its late events are ignored from here on
    this.teardown();
    safeClose(socket, close);
    this.hooks.events.emit("disconnected", { code: close.code, reason: close.reason, willReconnect: true }, (err) =>
      this.listenerFailed(err),
    );
    this.scheduleReconnect(why, delayMs);
  }

  private teardown(): void {
    this.socket = null;
    this.welcomed = false;
    if (this.current !== "closed") this.current = "connecting";
    clearTimeout(this.timers.connect);
    clearTimeout(this.timers.refresh);
    clearInterval(this.timers.ping);
    this.heartbeatAnswered();
    this.options.backoff.disconnected();
    this.hooks.onDown();
  }

  /** `delayMs` null: the next backoff delay; a number: exactly that (planned renewals do not count as failures). */
  private scheduleReconnect(reason: string, delayMs: number | null = null): void {
    if (this.current === "closed") return;
    this.current = "connecting";
    const { backoff } = this.options;
    const delay = delayMs ?? backoff.next();
    if (delay === null)
      return this.stop(
        new ConnectionClosedError(`Gave up reconnecting after ${backoff.attempt} attempts.`, "reconnect_exhausted", null),
        0,
        reason,
      );
    this.hooks.events.emit("reconnecting", { attempt: backoff.attempt, delayMs: delay, reason }, (err) => this.listenerFailed(err));
    clearTimeout(this.timers.reconnect);
    this.timers.reconnect = setTimeout(() => void this.open(), delay);
  }

  // ---- token renewal and heartbeats

  /** Renews the connection with a fresh token before the current one expires (the relay checks `exp` on every frame). */
  private scheduleRenewal(): void {
    clearTimeout(this.timers.refresh);
    const at = this.options.tokens.refreshAt;
    if (at === null) return;
    const generation = this.generation;
    this.timers.refresh = setTimeout(() => void this.renew(generation), Math.max(1_000, at - Date.now()));
  }

  private async renew(generation: number): Promise<void> {
    try {
      await this.options.tokens.refresh();
    } catch (err) {
      if (generation !== this.generation) return;
      this.hooks.events.emit("error", err instanceof SwitchboardError ? err : new SwitchboardError(String(err), "token_refresh_failed"));
      // Keep the current connection (valid until its token expires) and try again shortly.
      this.timers.refresh = setTimeout(() => void this.renew(generation), RENEW_RETRY_MS);
      return;
    }
    this.abandon(generation, RENEW_CLOSE, "token_refresh", 0);
  }

  private startHeartbeat(): void {
    clearInterval(this.timers.ping);
    const generation = this.generation;
    this.timers.ping = setInterval(() => {
      if (!this.send(HEARTBEAT.request)) return;
      // The deadline runs from the first unanswered ping; later pings must not push it back.
      this.timers.pong ??= setTimeout(() => this.abandon(generation, DEAD_CLOSE, "heartbeat_timeout"), this.options.heartbeatTimeoutMs);
    }, this.options.heartbeatIntervalMs);
  }

  /** Any message proves the connection is alive, not only `pong`. */
  private heartbeatAnswered(): void {
    clearTimeout(this.timers.pong);
    this.timers.pong = undefined;
  }

  private listenerFailed(err: unknown): void {
    this.hooks.events.emit(
      "error",
      new SwitchboardError(`An event listener threw: ${String((err as Error)?.message ?? err)}`, "handler_failed", { cause: err }),
    );
  }
}

function safeClose(socket: SocketLike, { code, reason }: { code: number; reason: string }): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closing
  }
}
