/**
 * Bench-only baselines for the relay benchmark (bench/README.md). Never deployed.
 *
 *   GET /echo?room=…              (b) Worker WebSocket echo: no Durable Object, no storage
 *   GET /do-echo?room=…           (c) hibernatable Durable Object echo, no storage — the ceiling for any DO relay
 *   GET /naive?room=…&agent=…     (d) naive relay: awaits D1 inserts (message, cursor, audit) per message
 *   GET /naive/stats?room=…       (d)'s D1 rows written/read (from D1's own `meta`)
 *
 * Frames are the relay protocol's JSON frames, so the load client drives every variant the same
 * way. Echo variants send each frame straight back (that echo is what the client counts as
 * `accepted`); a `broadcast` frame is also sent to every other socket of the room. A `probe`
 * frame answers whether the object was (re)constructed since the last event: the wake-up test.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  BENCH_DB: D1Database;
  ECHO: DurableObjectNamespace<EchoObject>;
  NAIVE: DurableObjectNamespace<NaiveRelay>;
}

const isBroadcast = (text: string) => text.startsWith('{"type":"broadcast"');
const isProbe = (text: string) => text.startsWith('{"type":"probe"');

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const room = url.searchParams.get("room") ?? "default";
    if (url.pathname === "/echo") return workerEcho(request);
    if (url.pathname === "/do-echo") return env.ECHO.get(env.ECHO.idFromName(room)).fetch(request);
    if (url.pathname === "/naive" || url.pathname === "/naive/stats") return env.NAIVE.get(env.NAIVE.idFromName(room)).fetch(request);
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;

/** (b) The Worker itself holds the socket (no hibernation, no object): the runtime's floor. */
function workerEcho(request: Request): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("upgrade required", { status: 426 });
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  server.addEventListener("message", (event) => server.send(event.data as string));
  return new Response(null, { status: 101, webSocket: client });
}

/** Remembers whether an event is the first since the object was constructed (i.e. it had been evicted). */
class Lifecycle {
  readonly bornAt = Date.now();
  private seen = false;
  probe(): string {
    const fresh = !this.seen;
    this.seen = true;
    return JSON.stringify({ type: "probe", fresh, bornAt: this.bornAt });
  }
  touch(): void {
    this.seen = true;
  }
}

/** (c) Hibernatable WebSocket echo with no storage at all. */
export class EchoObject extends DurableObject<Env> {
  private readonly life = new Lifecycle();

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("upgrade required", { status: 426 });
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    this.life.touch();
    return new Response(null, { status: 101, webSocket: client });
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    if (isProbe(text)) return ws.send(this.life.probe());
    this.life.touch();
    ws.send(text);
    if (isBroadcast(text)) for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(text);
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
  }
}

interface NaiveFrame {
  type: string;
  id?: string;
  to?: string;
  inReplyTo?: string;
  body?: unknown;
  seq?: number;
}

/**
 * (d) The design docs/relay.md rejects: every message awaits D1 — insert the message, upsert the
 * recipients' cursors, insert the audit row — before `accepted`. Sockets are hibernatable like the
 * real relay's; there is no allowlist, rate limit or token check (all of which only flatter it).
 */
export class NaiveRelay extends DurableObject<Env> {
  private readonly life = new Lifecycle();
  private rowsWritten = 0;
  private rowsRead = 0;
  private messagesAccepted = 0;

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/naive/stats")
      return Response.json({
        rowsWritten: this.rowsWritten,
        rowsRead: this.rowsRead,
        messagesAccepted: this.messagesAccepted,
        bornAt: this.life.bornAt,
      });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("upgrade required", { status: 426 });
    const agent = url.searchParams.get("agent") ?? crypto.randomUUID();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, [agent]);
    server.serializeAttachment({ agent });
    this.life.touch();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const text = typeof data === "string" ? data : new TextDecoder().decode(data);
    if (isProbe(text)) return ws.send(this.life.probe());
    this.life.touch();
    const frame = JSON.parse(text) as NaiveFrame;
    const { agent } = ws.deserializeAttachment() as { agent: string };
    const team = this.ctx.id.toString();
    const db = this.env.BENCH_DB;
    switch (frame.type) {
      case "hello":
        return ws.send(JSON.stringify({ type: "welcome", v: 1, agentId: agent }));
      case "ack":
        this.count(
          await db
            .prepare("UPDATE naive_cursors SET acked_seq = max(acked_seq, ?) WHERE team = ? AND agent = ?")
            .bind(frame.seq, team, agent)
            .run(),
        );
        return;
      case "send":
      case "request":
      case "reply":
      case "broadcast": {
        let recipients: string[];
        if (frame.type === "broadcast")
          recipients = this.ctx
            .getWebSockets()
            .map((s) => (s.deserializeAttachment() as { agent: string }).agent)
            .filter((a) => a !== agent);
        else if (frame.type === "reply") {
          const found = await db
            .prepare("SELECT sender FROM naive_messages WHERE team = ? AND client_id = ? AND kind = 'request'")
            .bind(team, frame.inReplyTo)
            .first<{ sender: string }>();
          this.rowsRead += 1;
          if (!found) return ws.send(JSON.stringify({ type: "denied", id: frame.id, code: "request_timeout" }));
          recipients = [found.sender];
        } else recipients = [frame.to!];
        const body = JSON.stringify(frame.body);
        const now = Date.now();
        const inserted = await db
          .prepare(
            "INSERT INTO naive_messages (team, kind, sender, recipient, client_id, in_reply_to, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
          )
          .bind(team, frame.type, agent, recipients.length === 1 ? recipients[0] : null, frame.id, frame.inReplyTo ?? null, body, now)
          .run<{ seq: number }>();
        this.count(inserted);
        const seq = inserted.results[0]!.seq;
        this.count(
          await db
            .prepare(
              "INSERT INTO naive_cursors (team, agent, delivered_seq, acked_seq) SELECT ?, value, ?, 0 FROM json_each(?) WHERE 1 ON CONFLICT (team, agent) DO UPDATE SET delivered_seq = excluded.delivered_seq",
            )
            .bind(team, seq, JSON.stringify(recipients))
            .run(),
        );
        this.count(
          await db
            .prepare("INSERT INTO naive_audit (id, team, actor, action, details, at) VALUES (?, ?, ?, 'relay.message_accepted', ?, ?)")
            .bind(
              crypto.randomUUID(),
              team,
              agent,
              JSON.stringify({ seq, kind: frame.type, clientId: frame.id, to: recipients, bytes: body.length }),
              now,
            )
            .run(),
        );
        this.messagesAccepted += 1;
        ws.send(JSON.stringify({ type: "accepted", id: frame.id, seq }));
        const kind = frame.type === "send" ? "direct" : frame.type;
        const deliver = JSON.stringify({
          type: "deliver",
          seq,
          from: agent,
          kind,
          body: frame.body,
          id: frame.id,
          ...(frame.inReplyTo ? { inReplyTo: frame.inReplyTo } : {}),
        });
        for (const r of recipients) for (const socket of this.ctx.getWebSockets(r)) socket.send(deliver);
        return;
      }
      default:
        return ws.send(
          JSON.stringify({ type: "error", id: frame.id ?? null, code: "invalid_frame", message: `naive relay: ${frame.type}` }),
        );
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
  }

  private count(result: D1Result<unknown>): void {
    this.rowsWritten += result.meta.rows_written ?? 0;
    this.rowsRead += result.meta.rows_read ?? 0;
  }
}
