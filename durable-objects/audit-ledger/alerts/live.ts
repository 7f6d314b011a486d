/**
 * The live alerts inbox: dashboard sockets held by the tenant's ledger object (hibernation API,
 * tag LIVE_TAG, identity in the attachment). Read-only: anything a client sends gets an error
 * frame; "ping" is answered "pong" by the runtime without waking the object.
 */
import { IDENTITY_HEADER, LIVE_TAG, type LiveIdentity } from "../../../workers/shared/alerts/ledger-endpoints";
import type { Alert, AlertFrame } from "../../../workers/shared/schemas/alerts";

export const HEARTBEAT = { request: "ping", response: "pong" } as const;

export function acceptLiveSocket(ctx: DurableObjectState, request: Request): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
  const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null") as LiveIdentity | null;
  if (!identity?.tenantId || !identity.principalId) return new Response("Missing identity.", { status: 400 });
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  ctx.acceptWebSocket(server, [LIVE_TAG, `tenant:${identity.tenantId}`]);
  server.serializeAttachment(identity);
  return new Response(null, { status: 101, webSocket: client });
}

export function isLiveSocket(ctx: DurableObjectState, ws: WebSocket): boolean {
  return ctx.getTags(ws).includes(LIVE_TAG);
}

export function sendFrame(ws: WebSocket, frame: AlertFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // closing or closed: the close handler cleans up
  }
}

export function broadcastAlert(ctx: DurableObjectState, alert: Alert): void {
  for (const ws of ctx.getWebSockets(`tenant:${alert.tenantId}`)) sendFrame(ws, { type: "alert", alert });
}
