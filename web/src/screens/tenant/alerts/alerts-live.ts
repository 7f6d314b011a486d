/**
 * The live alerts socket (`GET /v1/tenants/{tenantId}/alerts/live`): one connection per tenant for
 * the whole page, shared by every component that asks for it (the nav badge, the inbox) and
 * closed when the last one goes. Each `{ type: "alert", alert }` frame is upserted into the cached
 * alert lists, so every screen updates without a refetch.
 *
 * Reconnects with exponential backoff and jitter (1 s doubling to 30 s) and at once when the
 * browser comes back online; every (re)connect refetches the lists, because frames flow only from
 * the moment the socket opens. The server answers "ping" with "pong": a socket that stops
 * answering is treated as dead and replaced. A browser is never told why an upgrade was refused,
 * so after a socket that never opened the API is asked once (`GET …/alerts?limit=1`): a 401, 403
 * or 404 there stops the retries with the API's message instead of retrying forever.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useSyncExternalStore } from "react";
import { AlertFrameSchema } from "@shared/schemas/alerts";
import { api, isApiError } from "@/lib/api";
import { tenantPath } from "@/lib/queries";
import { alertKeys, alertsLiveUrl, type Alert } from "./alerts-api";

export type LiveState =
  | { state: "connecting" }
  | { state: "live"; since: number }
  | { state: "reconnecting"; retryAt: number; attempt: number }
  /** The server refused us (signed out, no access): retrying would not help. */
  | { state: "stopped"; reason: string };

const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const FATAL_CODES = new Set(["unauthenticated", "forbidden", "not_found", "mfa_required"]);

/** Full jitter on an exponential curve: many tabs reconnecting after a deploy do not stampede. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Puts an alert into the cached list of its status and takes it out of the others. */
export function upsertAlert(queryClient: QueryClient, tenantId: string, alert: Alert): void {
  for (const [key, list] of queryClient.getQueriesData<Alert[]>({ queryKey: [...alertKeys.all(tenantId), "list"] })) {
    if (!list) continue;
    const status = key[key.length - 1];
    const without = list.filter((a) => a.id !== alert.id);
    queryClient.setQueryData<Alert[]>(key, status === alert.status ? [alert, ...without] : without);
  }
}

class LiveConnection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private serverAnswersPing = false;
  private listeners = new Set<() => void>();
  refs = 0;
  running = false;
  status: LiveState = { state: "connecting" };

  constructor(
    private readonly tenantId: string,
    private readonly queryClient: QueryClient,
  ) {}

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(status: LiveState) {
    this.status = status;
    for (const l of this.listeners) l();
  }

  start() {
    this.running = true;
    window.addEventListener("online", this.reconnectNow);
    this.connect();
  }

  stop() {
    this.running = false;
    window.removeEventListener("online", this.reconnectNow);
    clearTimeout(this.retryTimer);
    this.teardown();
  }

  private reconnectNow = () => {
    if (this.status.state !== "reconnecting") return;
    clearTimeout(this.retryTimer);
    this.connect();
  };

  private connect() {
    this.teardown();
    this.set(this.attempt === 0 ? { state: "connecting" } : this.status);
    let ws: WebSocket;
    try {
      ws = new WebSocket(alertsLiveUrl(this.tenantId));
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.set({ state: "live", since: Date.now() });
      this.ping(); // learns at once whether the server answers the heartbeat
      this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
      // Frames flow from the moment the socket opens and are never replayed: (re)load the lists
      // now, so nothing fired between the last load (or the disconnect) and this moment is missed.
      void this.queryClient.invalidateQueries({ queryKey: [...alertKeys.all(this.tenantId), "list"] });
    };
    ws.onmessage = (ev) => this.onMessage(ev.data);
    let opened = false;
    ws.addEventListener("open", () => (opened = true));
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.teardown();
      if (this.status.state === "stopped") return;
      if (opened) this.scheduleRetry();
      else void this.probeThenRetry();
    };
  }

  private onMessage(data: unknown) {
    if (data === "pong") {
      this.serverAnswersPing = true;
      clearTimeout(this.pongTimer);
      return;
    }
    if (typeof data !== "string") return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const frame = AlertFrameSchema.safeParse(json);
    if (!frame.success) return; // a newer server's frame type: ignore rather than break
    if (frame.data.type === "alert") upsertAlert(this.queryClient, this.tenantId, frame.data.alert);
    else if (FATAL_CODES.has(frame.data.code)) {
      this.set({ state: "stopped", reason: frame.data.message });
      this.teardown();
    }
  }

  private ping() {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send("ping");
    if (!this.serverAnswersPing) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => ws.close(4000, "heartbeat timeout"), PONG_TIMEOUT_MS);
  }

  /** Why did the upgrade fail? Only the API's plain answer says whether retrying can help. */
  private async probeThenRetry() {
    try {
      await api.get(`${tenantPath(this.tenantId)}/alerts`, { limit: 1 });
    } catch (err) {
      if (isApiError(err) && [401, 403, 404].includes(err.status)) {
        this.set({ state: "stopped", reason: err.message });
        return;
      }
    }
    if (this.running) this.scheduleRetry();
  }

  private scheduleRetry() {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.set({ state: "reconnecting", retryAt: Date.now() + delay, attempt: this.attempt });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private teardown() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    const ws = this.socket;
    this.socket = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, "closed by the dashboard");
    }
  }
}

const connections = new Map<string, LiveConnection>();

function acquire(tenantId: string, queryClient: QueryClient): LiveConnection {
  let conn = connections.get(tenantId);
  if (!conn) {
    conn = new LiveConnection(tenantId, queryClient);
    connections.set(tenantId, conn);
  }
  return conn;
}

/** Keeps the tenant's live alerts socket open while the calling component is mounted; returns its state. */
export function useAlertsLive(tenantId: string): LiveState {
  const queryClient = useQueryClient();
  const conn = acquire(tenantId, queryClient);
  useEffect(() => {
    conn.refs += 1;
    if (!conn.running) conn.start();
    return () => {
      conn.refs -= 1;
      // A moment's grace: navigating between screens unmounts one user and mounts the next.
      setTimeout(() => {
        if (conn.refs === 0 && connections.get(tenantId) === conn) {
          conn.stop();
          connections.delete(tenantId);
        }
      }, 1_000);
    };
  }, [conn, tenantId]);
  return useSyncExternalStore(conn.subscribe, () => conn.status);
}
