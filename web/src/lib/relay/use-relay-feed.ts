/**
 * The live feed's connection: a WebSocket to the team relay's observer endpoint, same-origin
 * through the dashboard's /v1 proxy, authenticated by the session cookie. It reconnects with
 * exponential backoff (1 s doubling to 30 s, with jitter) and heartbeats every 25 s (`ping` is
 * answered by the runtime with `pong`; a connection that stops answering is replaced). Observers
 * get no replay, so a reconnect inserts a "gap" row: what was relayed meanwhile is in the audit
 * log, not here. Pausing keeps the connection and holds new rows until resumed.
 */
import { useCallback, useEffect, useReducer, useRef } from "react";
import { HEARTBEAT, SUBPROTOCOL } from "@shared/relay/protocol";
import { isApiError } from "@/lib/api";
import { describeError } from "@/lib/forms";
import { entryOf, gapEntry, MAX_FEED_ENTRIES, parseServerFrame, prepend, type FeedEntry } from "./feed-entries";
import { reconnectDelay } from "./reconnect-delay";

const HEARTBEAT_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;

export type FeedStatus =
  | { state: "connecting"; attempt: number }
  | { state: "live"; since: number }
  | { state: "waiting"; attempt: number; retryAt: number }
  /** Retrying cannot help (no access, team gone, signed out): said once, no retry loop. */
  | { state: "stopped"; message: string };

interface FeedState {
  status: FeedStatus;
  entries: FeedEntry[];
  paused: boolean;
  /** Rows that arrived while paused (newest last). */
  held: FeedEntry[];
  online: Set<string>;
}

type Action =
  | { type: "status"; status: FeedStatus }
  | { type: "welcome" }
  | { type: "entry"; entry: FeedEntry }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "clear" };

function reducer(s: FeedState, a: Action): FeedState {
  switch (a.type) {
    case "status":
      return { ...s, status: a.status };
    case "welcome":
      // The relay follows `welcome` with a `presence joined` per agent online now.
      return { ...s, online: new Set() };
    case "entry": {
      let online = s.online;
      if (a.entry.type === "presence") {
        online = new Set(online);
        if (a.entry.status === "joined") online.add(a.entry.agentId);
        else online.delete(a.entry.agentId);
      }
      if (s.paused) return { ...s, online, held: [...s.held, a.entry].slice(-MAX_FEED_ENTRIES) };
      return { ...s, online, entries: prepend(s.entries, [a.entry]) };
    }
    case "pause":
      return { ...s, paused: true };
    case "resume":
      return { ...s, paused: false, held: [], entries: prepend(s.entries, s.held) };
    case "clear":
      return { ...s, entries: [], held: [] };
  }
}

/**
 * @param path   the observe endpoint (`/v1/tenants/…/teams/…/relay/observe`)
 * @param probe  asks the API whether the team is still readable; called when a connection fails
 *               before its welcome (a browser never sees why an upgrade was refused).
 */
export function useRelayFeed(path: string, probe: () => Promise<unknown>) {
  const [state, dispatch] = useReducer(reducer, { status: { state: "connecting", attempt: 0 }, entries: [], paused: false, held: [], online: new Set<string>() });
  const reconnectNow = useRef<() => void>(() => undefined);
  const probeRef = useRef(probe);
  probeRef.current = probe;

  useEffect(() => {
    const url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}${path}`;
    let socket: WebSocket | null = null;
    let attempt = 0;
    let disposed = false;
    let droppedAt: number | null = null;
    const timers = { retry: 0, ping: 0, pong: 0 };
    const stopHeartbeat = () => {
      window.clearInterval(timers.ping);
      window.clearTimeout(timers.pong);
    };

    const connect = () => {
      window.clearTimeout(timers.retry);
      dispatch({ type: "status", status: { state: "connecting", attempt } });
      const ws = new WebSocket(url, [SUBPROTOCOL]);
      socket = ws;
      let welcomed = false;

      ws.onmessage = (ev) => {
        if (typeof ev.data !== "string") return;
        if (ev.data === HEARTBEAT.response) return window.clearTimeout(timers.pong);
        const frame = parseServerFrame(ev.data);
        if (!frame) return;
        if (frame.type === "welcome") {
          welcomed = true;
          attempt = 0;
          dispatch({ type: "welcome" });
          dispatch({ type: "status", status: { state: "live", since: Date.now() } });
          if (droppedAt !== null) {
            const seconds = Math.max(1, Math.round((Date.now() - droppedAt) / 1000));
            dispatch({ type: "entry", entry: gapEntry(`Reconnected after ${seconds} s. Messages relayed while the feed was disconnected are not shown here; the audit log has them.`) });
            droppedAt = null;
          }
          timers.ping = window.setInterval(() => {
            if (ws.readyState !== WebSocket.OPEN) return;
            ws.send(HEARTBEAT.request);
            timers.pong = window.setTimeout(() => lost(ws, true), PONG_WITHIN_MS);
          }, HEARTBEAT_EVERY_MS);
          return;
        }
        const entry = entryOf(frame);
        if (entry) dispatch({ type: "entry", entry });
      };
      ws.onclose = () => lost(ws, welcomed);
    };

    /** The socket closed or stopped answering: try again later, unless the API says it is pointless. */
    const lost = (ws: WebSocket, wasLive: boolean) => {
      if (disposed || socket !== ws) return;
      socket = null;
      stopHeartbeat();
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
      if (wasLive && droppedAt === null) droppedAt = Date.now();
      attempt += 1;
      const retry = () => {
        if (disposed) return;
        const delay = reconnectDelay(attempt);
        dispatch({ type: "status", status: { state: "waiting", attempt, retryAt: Date.now() + delay } });
        timers.retry = window.setTimeout(connect, delay);
      };
      if (wasLive) return retry();
      probeRef.current().then(retry, (err: unknown) => {
        if (disposed) return;
        const final = isApiError(err) && [401, 403, 404].includes(err.status);
        if (final) dispatch({ type: "status", status: { state: "stopped", message: describeError(err) } });
        else retry();
      });
    };

    reconnectNow.current = () => {
      if (disposed) return;
      const old = socket;
      socket = null;
      stopHeartbeat();
      old?.close();
      attempt = 0;
      connect();
    };
    // Deferred a tick: a mount that is undone at once (React's StrictMode checks in development)
    // then opens no socket at all instead of one it closes while still connecting.
    timers.retry = window.setTimeout(connect, 0);
    return () => {
      disposed = true;
      window.clearTimeout(timers.retry);
      stopHeartbeat();
      socket?.close(1000);
      socket = null;
    };
  }, [path]);

  return {
    ...state,
    pause: useCallback(() => dispatch({ type: "pause" }), []),
    resume: useCallback(() => dispatch({ type: "resume" }), []),
    clear: useCallback(() => dispatch({ type: "clear" }), []),
    reconnectNow: useCallback(() => reconnectNow.current(), []),
  };
}
