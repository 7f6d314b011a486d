/**
 * The live feed's connection: a WebSocket to the team relay's observer endpoint, same-origin
 * through the dashboard's /v1 proxy, authenticated by the session cookie. The socket is the
 * dashboard's one reconnecting socket (`@/lib/live-socket`: backoff, heartbeat, retry when back
 * online, stop with the API's message on 401/403/404). Observers get no replay, so a reconnect
 * inserts a "gap" row: what was relayed meanwhile is in the audit log, not here. Pausing keeps the
 * connection and holds new rows until resumed.
 */
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { SUBPROTOCOL } from "@shared/relay/protocol";
import { LiveSocket, useLiveStatus, type LiveStatus } from "@/lib/live-socket";
import { entryOf, gapEntry, MAX_FEED_ENTRIES, parseServerFrame, prepend, type FeedEntry } from "./feed-entries";

export type FeedStatus = LiveStatus;

interface FeedState {
  entries: FeedEntry[];
  paused: boolean;
  /** Rows that arrived while paused (newest last). */
  held: FeedEntry[];
  online: Set<string>;
}

type Action = { type: "welcome" } | { type: "entry"; entry: FeedEntry } | { type: "pause" } | { type: "resume" } | { type: "clear" };

function reducer(s: FeedState, a: Action): FeedState {
  switch (a.type) {
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
 *               before it opened (a browser never sees why an upgrade was refused).
 */
export function useRelayFeed(path: string, probe: () => Promise<unknown>) {
  const [state, dispatch] = useReducer(reducer, { entries: [], paused: false, held: [], online: new Set<string>() });
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  const status = useLiveStatus(socket);
  const probeRef = useRef(probe);
  probeRef.current = probe;

  useEffect(() => {
    /** When a connection that had been welcomed dropped; the next welcome says how long the gap was. */
    let droppedAt: number | null = null;
    let welcomed = false;
    const live = new LiveSocket({
      url: path,
      protocols: [SUBPROTOCOL],
      onMessage: (data) => {
        const frame = parseServerFrame(data);
        if (!frame) return;
        if (frame.type === "welcome") {
          welcomed = true;
          dispatch({ type: "welcome" });
          if (droppedAt !== null) {
            const seconds = Math.max(1, Math.round((Date.now() - droppedAt) / 1000));
            dispatch({
              type: "entry",
              entry: gapEntry(
                `Reconnected after ${seconds} s. Messages relayed while the feed was disconnected are not shown here; the audit log has them.`,
              ),
            });
            droppedAt = null;
          }
          return;
        }
        const entry = entryOf(frame);
        if (entry) dispatch({ type: "entry", entry });
      },
      onClose: () => {
        if (welcomed && droppedAt === null) droppedAt = Date.now();
        welcomed = false;
      },
      probe: () => probeRef.current(),
    });
    setSocket(live);
    return () => live.dispose();
  }, [path]);

  return {
    ...state,
    status,
    pause: useCallback(() => dispatch({ type: "pause" }), []),
    resume: useCallback(() => dispatch({ type: "resume" }), []),
    clear: useCallback(() => dispatch({ type: "clear" }), []),
    reconnectNow: useCallback(() => socket?.reconnectNow(), [socket]),
  };
}
