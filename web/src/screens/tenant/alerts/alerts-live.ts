/**
 * The live alerts socket (`GET /v1/tenants/{tenantId}/alerts/live`): one connection per tenant for
 * the whole page, shared by every component that asks for it (the nav badge, the inbox) and
 * closed when the last one goes. Each `{ type: "alert", alert }` frame is upserted into the cached
 * alert lists, so every screen updates without a refetch.
 *
 * The connection is the dashboard's one reconnecting socket (`@/lib/live-socket`: backoff,
 * heartbeat, retry when back online, stop on 401/403/404). Frames flow only from the moment a
 * socket opens and are never replayed, so every (re)connect refetches the lists. An `error` frame
 * with a code that retrying cannot fix (signed out, no access) stops the retries with its message.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { AlertFrameSchema } from "@shared/schemas/alerts";
import { api } from "@/lib/api";
import { LiveSocket, useLiveStatus, type LiveStatus } from "@/lib/live-socket";
import { tenantPath } from "@/lib/queries";
import { alertKeys, alertsLiveUrl, type Alert } from "./alerts-api";

export type { LiveStatus };

const FATAL_CODES = new Set(["unauthenticated", "forbidden", "not_found", "mfa_required"]);
/** Navigating between screens unmounts one user of the socket and mounts the next: keep it this long. */
const RELEASE_GRACE_MS = 1_000;

/** Puts an alert into the cached list of its status and takes it out of the others. */
export function upsertAlert(queryClient: QueryClient, tenantId: string, alert: Alert): void {
  for (const [key, list] of queryClient.getQueriesData<Alert[]>({ queryKey: [...alertKeys.all(tenantId), "list"] })) {
    if (!list) continue;
    const status = key[key.length - 1];
    const without = list.filter((a) => a.id !== alert.id);
    queryClient.setQueryData<Alert[]>(key, status === alert.status ? [alert, ...without] : without);
  }
}

function openAlertsSocket(tenantId: string, queryClient: QueryClient): LiveSocket {
  const socket: LiveSocket = new LiveSocket({
    url: alertsLiveUrl(tenantId),
    // Nothing fired between the last load (or the disconnect) and this moment may be missed.
    onOpen: () => void queryClient.invalidateQueries({ queryKey: [...alertKeys.all(tenantId), "list"] }),
    onMessage: (data) => {
      let json: unknown;
      try {
        json = JSON.parse(data);
      } catch {
        return;
      }
      const frame = AlertFrameSchema.safeParse(json);
      if (!frame.success) return; // a newer server's frame type: ignore rather than break
      if (frame.data.type === "alert") upsertAlert(queryClient, tenantId, frame.data.alert);
      else if (FATAL_CODES.has(frame.data.code)) socket.stop(frame.data.message);
    },
    probe: () => api.get(`${tenantPath(tenantId)}/alerts`, { limit: 1 }),
  });
  return socket;
}

interface Shared {
  socket: LiveSocket;
  refs: number;
  release?: ReturnType<typeof setTimeout>;
}
const connections = new Map<string, Shared>();

function acquire(tenantId: string, queryClient: QueryClient): Shared {
  let shared = connections.get(tenantId);
  if (!shared) {
    shared = { socket: openAlertsSocket(tenantId, queryClient), refs: 0 };
    connections.set(tenantId, shared);
  }
  clearTimeout(shared.release);
  shared.refs += 1;
  return shared;
}

function release(tenantId: string, shared: Shared): void {
  shared.refs -= 1;
  clearTimeout(shared.release);
  shared.release = setTimeout(() => {
    if (shared.refs === 0 && connections.get(tenantId) === shared) {
      shared.socket.dispose();
      connections.delete(tenantId);
    }
  }, RELEASE_GRACE_MS);
}

/** Keeps the tenant's live alerts socket open while the calling component is mounted; returns its state. */
export function useAlertsLive(tenantId: string): LiveStatus {
  const queryClient = useQueryClient();
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  useEffect(() => {
    const held = acquire(tenantId, queryClient);
    setSocket(held.socket);
    return () => release(tenantId, held);
  }, [tenantId, queryClient]);
  return useLiveStatus(socket);
}
