/**
 * The dashboard's one reconnecting WebSocket: the team live feed and the live alerts inbox both
 * use it. The reconnecting itself (backoff, connect timeout, not retrying after close()) is
 * partysocket's `ReconnectingWebSocket`; this module adds what a screen needs on top of it:
 *
 * - a status for the UI (`connecting` / `live` / `reconnecting` with the time of the next try /
 *   `stopped` with a sentence), readable with `useSyncExternalStore` (`subscribe`, `status`);
 * - a heartbeat: `ping` every 25 s (the relay and the alerts socket both answer `pong` through
 *   `setWebSocketAutoResponse`, without waking their Durable Object); a socket with no `pong`
 *   10 s later is dropped and replaced;
 * - an immediate retry when the browser comes back online;
 * - asking the API why a connection failed before it opened — a browser is never told the HTTP
 *   status of a refused upgrade — and stopping, with the API's message, on 401/403/404 instead of
 *   retrying for ever.
 *
 * One backoff curve for every screen: the first retry after about 1 s, doubling to 30 s. Each
 * socket scales the whole curve by its own random factor in [0.8, 1.2] (partysocket has no
 * per-attempt jitter), so browsers that lost their connections together do not come back in step.
 */
import ReconnectingWebSocket from "partysocket/ws";
import { useSyncExternalStore } from "react";
import { HEARTBEAT } from "@shared/relay/protocol";
import { isApiError } from "./api";
import { describeError } from "./forms";

export type LiveStatus =
  | { state: "connecting"; attempt: number }
  | { state: "live"; since: number }
  /** Disconnected; the next attempt starts at `retryAt`. */
  | { state: "reconnecting"; attempt: number; retryAt: number }
  /** Retrying cannot help (signed out, no access, gone): said once, no retry loop. */
  | { state: "stopped"; message: string };

export interface LiveSocketOptions {
  /** An absolute ws:/wss: URL, or a path on this origin (`/v1/…`). */
  url: string;
  protocols?: string[];
  /** Each time a connection opens (the first time and after every reconnect). */
  onOpen?: () => void;
  /** Every text frame except the heartbeat's `pong`. */
  onMessage: (data: string) => void;
  /** A connection ended; `wasOpen` is false when it failed before opening. */
  onClose?: (info: { wasOpen: boolean }) => void;
  /** Asked after a connection failed before opening: rejecting with a 401/403/404 ApiError stops the retries. */
  probe?: () => Promise<unknown>;
}

/** The backoff curve, before each socket's jitter factor. */
export const RECONNECT = { firstDelayMs: 1_000, growFactor: 2, maxDelayMs: 30_000, jitter: 0.2 } as const;
export const HEARTBEAT_EVERY_MS = 25_000;
export const PONG_WITHIN_MS = 10_000;
/** partysocket's default (4 s) is short for a stack sharing two cores with its tests. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A connection that stayed up this long counts as healthy: the next drop starts the curve again. */
const MIN_UPTIME_MS = 5_000;

const FINAL_STATUSES = new Set([401, 403, 404]);

/** The partysocket options for one socket whose curve is scaled by `scale` (0.8–1.2). */
export function reconnectOptions(scale: number) {
  return {
    minReconnectionDelay: Math.round(RECONNECT.firstDelayMs * scale),
    maxReconnectionDelay: Math.round(RECONNECT.maxDelayMs * scale),
    reconnectionDelayGrowFactor: RECONNECT.growFactor,
    minUptime: MIN_UPTIME_MS,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    // A heartbeat sent while disconnected must be dropped, not queued for the next connection.
    maxEnqueuedMessages: 0,
  };
}

/**
 * How long partysocket waits before its attempt number `retryCount` (0 = the first connection or
 * a manual reconnect: no wait). Mirrors its `_getNextDelay`, which it does not expose; the unit
 * test (live-socket.test.ts) holds the real library to this formula.
 */
export function reconnectDelay(retryCount: number, options: ReturnType<typeof reconnectOptions>): number {
  if (retryCount <= 0) return 0;
  return Math.min(options.maxReconnectionDelay, options.minReconnectionDelay * options.reconnectionDelayGrowFactor ** (retryCount - 1));
}

/** `ws:`/`wss:` URL of a path on the page's own origin (the dashboard reaches the API same-origin). */
export function sameOriginSocketUrl(path: string): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export class LiveSocket {
  /** Replaced by a fresh one on "reconnect now": partysocket cannot cut short a backoff wait it has begun. */
  private socket: ReconnectingWebSocket;
  private readonly url: string;
  private readonly options: ReturnType<typeof reconnectOptions>;
  private readonly listeners = new Set<() => void>();
  private current: LiveStatus = { state: "connecting", attempt: 0 };
  private wasOpen = false;
  private probing = false;
  private disposed = false;
  private readonly timers: {
    ping?: ReturnType<typeof setInterval>;
    pong?: ReturnType<typeof setTimeout>;
    attempt?: ReturnType<typeof setTimeout>;
  } = {};

  constructor(
    private readonly config: LiveSocketOptions,
    random: () => number = Math.random,
  ) {
    this.options = reconnectOptions(1 - RECONNECT.jitter + 2 * RECONNECT.jitter * random());
    this.url = /^wss?:/.test(config.url) ? config.url : sameOriginSocketUrl(config.url);
    this.socket = this.connect();
    window.addEventListener("online", this.backOnline);
  }

  get status(): LiveStatus {
    return this.current;
  }

  /** For `useSyncExternalStore`. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Try again at once (also after `stopped`), with the backoff starting over. */
  reconnectNow = (): void => {
    if (this.disposed) return;
    this.replaceSocket("reconnecting now");
  };

  /** Stops for good with a sentence for the person (e.g. the server said the session ended). */
  stop(message: string): void {
    if (this.disposed) return;
    this.set({ state: "stopped", message });
    this.stopHeartbeat();
    clearTimeout(this.timers.attempt);
    this.socket.close(1000, "stopped by the dashboard");
  }

  /** Closes the socket and forgets every listener: the screen is gone. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    window.removeEventListener("online", this.backOnline);
    this.stopHeartbeat();
    clearTimeout(this.timers.attempt);
    this.socket.close(1000, "closed by the dashboard");
    this.listeners.clear();
  }

  private connect(): ReconnectingWebSocket {
    const socket = new ReconnectingWebSocket(this.url, this.config.protocols ?? null, this.options);
    // Property handlers, not addEventListener: partysocket hands them the original events.
    socket.onopen = () => socket === this.socket && this.opened();
    socket.onmessage = (event) => socket === this.socket && this.received(event);
    socket.onclose = () => socket === this.socket && this.closed();
    return socket;
  }

  /** Drops the current socket (and any backoff wait it is in) for a new one that connects at once. */
  private replaceSocket(reason: string) {
    const old = this.socket;
    old.onopen = old.onmessage = old.onclose = null;
    old.close(4000, reason);
    this.stopHeartbeat();
    clearTimeout(this.timers.attempt);
    if (this.wasOpen) {
      this.wasOpen = false;
      this.config.onClose?.({ wasOpen: true });
    }
    this.set({ state: "connecting", attempt: 0 });
    this.socket = this.connect();
  }

  private set(status: LiveStatus) {
    this.current = status;
    for (const listener of [...this.listeners]) listener();
  }

  private opened() {
    if (this.disposed) return;
    clearTimeout(this.timers.attempt);
    this.wasOpen = true;
    this.set({ state: "live", since: Date.now() });
    this.startHeartbeat();
    this.config.onOpen?.();
  }

  private received(event: MessageEvent) {
    if (this.disposed || typeof event.data !== "string") return;
    if (event.data === HEARTBEAT.response) {
      clearTimeout(this.timers.pong);
      return;
    }
    this.config.onMessage(event.data);
  }

  private closed() {
    if (this.disposed || this.current.state === "stopped") return;
    this.stopHeartbeat();
    const wasOpen = this.wasOpen;
    this.wasOpen = false;
    this.config.onClose?.({ wasOpen });
    // partysocket has already counted this attempt and started waiting for the next one.
    const attempt = this.socket.retryCount;
    const delay = reconnectDelay(attempt, this.options);
    clearTimeout(this.timers.attempt);
    if (delay === 0) this.set({ state: "connecting", attempt });
    else {
      this.set({ state: "reconnecting", attempt, retryAt: Date.now() + delay });
      this.timers.attempt = setTimeout(() => {
        if (this.current.state === "reconnecting") this.set({ state: "connecting", attempt });
      }, delay);
    }
    if (!wasOpen) this.askWhy();
  }

  /** The connection failed before it opened: only the API's plain answer says whether retrying can help. */
  private askWhy() {
    const probe = this.config.probe;
    if (!probe || this.probing) return;
    this.probing = true;
    probe().then(
      () => (this.probing = false),
      (err: unknown) => {
        this.probing = false;
        if (isApiError(err) && FINAL_STATUSES.has(err.status)) this.stop(describeError(err));
      },
    );
  }

  private backOnline = () => {
    if (this.current.state === "reconnecting") this.reconnectNow();
  };

  private startHeartbeat() {
    this.stopHeartbeat();
    this.timers.ping = setInterval(() => {
      if (this.socket.readyState !== ReconnectingWebSocket.OPEN) return;
      this.socket.send(HEARTBEAT.request);
      clearTimeout(this.timers.pong);
      // No answer: the connection died without a close frame. Replace it at once (the server
      // was reachable a moment ago).
      this.timers.pong = setTimeout(() => this.replaceSocket("heartbeat timeout"), PONG_WITHIN_MS);
    }, HEARTBEAT_EVERY_MS);
  }

  private stopHeartbeat() {
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.pong);
  }
}

const NOT_YET: LiveStatus = { state: "connecting", attempt: 0 };
const noSubscription = () => () => undefined;

/** A socket's status as React state; `connecting` until the socket exists (it is opened in an effect). */
export function useLiveStatus(socket: LiveSocket | null): LiveStatus {
  return useSyncExternalStore(socket?.subscribe ?? noSubscription, () => socket?.status ?? NOT_YET);
}
