/**
 * Opening the WebSocket, per runtime. Agents authenticate with `Authorization: Bearer <token>`
 * where the runtime lets them set headers (Node, Workers); browsers cannot, so they offer the
 * token as a `bearer.<token>` subprotocol next to `switchboard.v1` (docs/protocol.md). The token
 * never goes into the URL.
 */
import { BEARER_PROTOCOL_PREFIX, SUBPROTOCOL } from "./protocol";

/** The part of the WHATWG WebSocket the client uses (browsers, Node 22's global, `ws`, Workers). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
  removeEventListener?(type: "open" | "message" | "close" | "error", listener: (event: any) => void): void;
}

export interface OpenSocketInit {
  /** `ws(s)://…/v1/teams/{teamId}/relay` */
  url: string;
  token: string;
}

/** Opens a relay socket; may resolve with a socket that is already open (Workers' fetch upgrade). */
export type OpenSocket = (init: OpenSocketInit) => SocketLike | Promise<SocketLike>;

/** A `ws`-compatible constructor: `new WebSocket(url, protocols, { headers })` (the `ws` package, for Node 20). */
export type WsConstructor = new (url: string, protocols: string[], options: { headers: Record<string, string> }) => SocketLike;

export const OPEN = 1;

/** The `ws` package (or anything taking `(url, protocols, { headers })`). */
export function wsPackageTransport(WebSocketCtor: WsConstructor): OpenSocket {
  return ({ url, token }) => new WebSocketCtor(url, [SUBPROTOCOL], { headers: { authorization: `Bearer ${token}` } });
}

/** Node 22+'s global WebSocket (undici), whose constructor also takes `{ protocols, headers }`. */
export function nodeGlobalTransport(): OpenSocket {
  const Ctor = globalThis.WebSocket as unknown as new (
    url: string,
    init: { protocols: string[]; headers: Record<string, string> },
  ) => SocketLike;
  return ({ url, token }) => new Ctor(url, { protocols: [SUBPROTOCOL], headers: { authorization: `Bearer ${token}` } });
}

/** Browsers: the token travels as a subprotocol entry; the relay answers with `switchboard.v1` only. */
export function subprotocolTransport(
  Ctor: new (url: string, protocols: string[]) => SocketLike = globalThis.WebSocket as never,
): OpenSocket {
  return ({ url, token }) => new Ctor(url, [SUBPROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`]);
}

/** Cloudflare Workers: an outbound WebSocket is a `fetch` with `Upgrade: websocket`, accepted by the caller. */
export function workersFetchTransport(fetchImpl: typeof fetch = globalThis.fetch): OpenSocket {
  return async ({ url, token }) => {
    const res = await fetchImpl(url.replace(/^ws/, "http"), {
      headers: { upgrade: "websocket", authorization: `Bearer ${token}`, "sec-websocket-protocol": SUBPROTOCOL },
    });
    const ws = (res as Response & { webSocket?: (SocketLike & { accept(): void }) | null }).webSocket;
    if (res.status !== 101 || !ws) {
      const text = await res.text().catch(() => "");
      throw new Error(`The relay refused the connection: ${res.status} ${text.slice(0, 200)}`);
    }
    ws.accept();
    return ws;
  };
}

/** Picks the transport for the runtime this runs in. */
export function defaultTransport(): OpenSocket {
  const g = globalThis as { navigator?: { userAgent?: string }; process?: { versions?: { node?: string } }; WebSocket?: unknown };
  if (g.navigator?.userAgent === "Cloudflare-Workers") return workersFetchTransport();
  if (typeof g.WebSocket !== "function") {
    throw new Error(
      'This runtime has no global WebSocket (Node 20). Pass the `ws` package: new SwitchboardAgent({ …, WebSocket: (await import("ws")).WebSocket }).',
    );
  }
  if (g.process?.versions?.node) return nodeGlobalTransport();
  return subprotocolTransport();
}

/** `http(s)://host` → `ws(s)://host/v1/teams/{teamId}/relay`. */
export function relayUrl(apiUrl: string, teamId: string): string {
  // Relative to the base (no leading slash), so an API mounted under a path keeps its prefix.
  const url = new URL(`v1/teams/${encodeURIComponent(teamId)}/relay`, apiUrl.replace(/\/$/, "") + "/");
  url.protocol = url.protocol === "https:" ? "wss:" : url.protocol === "http:" ? "ws:" : url.protocol;
  return url.toString();
}
