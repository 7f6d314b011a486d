/**
 * The dashboard's reconnecting socket with the real partysocket underneath and a fake WebSocket
 * class (the one thing replaced), on fake timers: the backoff curve the status reports is the one
 * partysocket really waits, the heartbeat replaces a silent connection, a refused connection is
 * explained by the probe and stops, and the browser coming back online retries at once. The
 * screens that use it are covered end to end by test/browser/relay.test.ts (feed) and
 * test/browser/audit.test.ts (alerts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./api";
import { LiveSocket, reconnectDelay, reconnectOptions, type LiveStatus } from "./live-socket";

class FakeWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeWebSocket[] = [];
  readyState = FakeWebSocket.CONNECTING;
  binaryType = "blob";
  bufferedAmount = 0;
  extensions = "";
  protocol = "";
  readonly sent: string[] = [];
  readonly createdAt = Date.now();
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    super();
    FakeWebSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSED;
    queueMicrotask(() => this.dispatchEvent(Object.assign(new Event("close"), { code: 1000, reason: "", wasClean: true })));
  }
  // What the server side does:
  serverOpens() {
    this.readyState = FakeWebSocket.OPEN;
    this.dispatchEvent(new Event("open"));
  }
  serverSends(data: string) {
    this.dispatchEvent(Object.assign(new Event("message"), { data }));
  }
  serverDrops() {
    this.readyState = FakeWebSocket.CLOSED;
    this.dispatchEvent(Object.assign(new Event("close"), { code: 1006, reason: "", wasClean: false }));
  }
  /** A refused upgrade, as a browser reports it: error, then close. */
  serverRefuses() {
    this.readyState = FakeWebSocket.CLOSED;
    this.dispatchEvent(new Event("error"));
    this.dispatchEvent(Object.assign(new Event("close"), { code: 1006, reason: "", wasClean: false }));
  }
}

const URL_ = "ws://dashboard.test/v1/feed";
const latest = () => FakeWebSocket.all.at(-1)!;
const sockets: LiveSocket[] = [];
/** Runs partysocket's zero wait (a `setTimeout(0)`, 1 ms in Node) and its promise hops up to `new WebSocket`. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(1);
};

function open(options: Partial<ConstructorParameters<typeof LiveSocket>[0]> = {}, random = () => 0.5) {
  const messages: string[] = [];
  const statuses: LiveStatus[] = [];
  const socket = new LiveSocket({ url: URL_, onMessage: (m) => messages.push(m), ...options }, random);
  socket.subscribe(() => statuses.push(socket.status));
  sockets.push(socket);
  return { socket, messages, statuses };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.all = [];
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("window", Object.assign(new EventTarget(), { location: { href: "http://dashboard.test/t/x" } }));
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.dispose();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the backoff curve", () => {
  it("starts at about 1 s, doubles, and stops at 30 s; each socket's curve is scaled by its own factor in [0.8, 1.2]", () => {
    const mid = reconnectOptions(1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => reconnectDelay(n, mid))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(reconnectDelay(0, mid)).toBe(0);
    expect(reconnectDelay(1, reconnectOptions(0.8))).toBe(800);
    expect(reconnectDelay(50, reconnectOptions(1.2))).toBe(36000);
  });

  it("is what partysocket really waits, and what the status says", async () => {
    const { socket } = open({}, () => 0); // scale 0.8: first retry after 800 ms
    await settle();
    expect(FakeWebSocket.all).toHaveLength(1);
    expect(latest().url).toBe(URL_);
    latest().serverOpens();
    expect(socket.status.state).toBe("live");

    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = FakeWebSocket.all.length;
      const droppedAt = Date.now();
      latest().serverDrops();
      const status = socket.status;
      expect(status.state).toBe("reconnecting");
      const promised = status.state === "reconnecting" ? status.retryAt - droppedAt : NaN;
      // Not a moment earlier than promised…
      await vi.advanceTimersByTimeAsync(promised - 1);
      expect(FakeWebSocket.all.length).toBe(before);
      // …and then at once.
      await vi.advanceTimersByTimeAsync(1);
      expect(FakeWebSocket.all.length).toBe(before + 1);
      expect(socket.status).toEqual({ state: "connecting", attempt: i + 1 });
      waits.push(promised);
    }
    expect(waits).toEqual([800, 1600, 3200, 6400, 12800, 24000, 24000]);
  });

  it("starts again from the first step once a connection stayed up for 5 s", async () => {
    const { socket } = open();
    await settle();
    latest().serverOpens();
    latest().serverDrops();
    await vi.advanceTimersByTimeAsync(1000);
    latest().serverRefuses();
    expect(socket.status).toMatchObject({ state: "reconnecting", attempt: 2 });
    await vi.advanceTimersByTimeAsync(2000);
    latest().serverOpens();
    await vi.advanceTimersByTimeAsync(5000);
    const droppedAt = Date.now();
    latest().serverDrops();
    expect(socket.status).toEqual({ state: "reconnecting", attempt: 1, retryAt: droppedAt + 1000 });
  });
});

describe("the connection's life", () => {
  it("hands over text frames, reports open and close, and never shows the heartbeat", async () => {
    const closes: boolean[] = [];
    let opens = 0;
    const { messages } = open({ onOpen: () => opens++, onClose: ({ wasOpen }) => closes.push(wasOpen), protocols: ["switchboard.v1"] });
    await settle();
    expect(latest().protocols).toEqual(["switchboard.v1"]);
    latest().serverOpens();
    latest().serverSends('{"type":"welcome"}');
    latest().serverSends("pong");
    expect(messages).toEqual(['{"type":"welcome"}']);
    latest().serverDrops();
    await vi.advanceTimersByTimeAsync(1000);
    latest().serverRefuses();
    expect({ opens, closes }).toEqual({ opens: 1, closes: [true, false] });
  });

  it("pings every 25 s and replaces a connection that does not answer within 10 s", async () => {
    const { socket } = open();
    await settle();
    const first = latest();
    first.serverOpens();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(first.sent).toEqual(["ping"]);
    first.serverSends("pong");
    await vi.advanceTimersByTimeAsync(25_000);
    expect(first.sent).toEqual(["ping", "ping"]);
    // No pong this time.
    await vi.advanceTimersByTimeAsync(9_999);
    expect(FakeWebSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.readyState).toBe(FakeWebSocket.CLOSED);
    // The server was reachable a moment ago: a new attempt at once.
    await settle();
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(socket.status).toEqual({ state: "connecting", attempt: 0 });
  });

  it("drops heartbeats while disconnected instead of queueing them for the next connection", async () => {
    open();
    await settle();
    latest().serverOpens();
    latest().serverDrops();
    await vi.advanceTimersByTimeAsync(60_000);
    latest().serverOpens();
    expect(latest().sent).toEqual([]);
  });

  it("asks the probe after a refused connection and stops with the API's message on 403", async () => {
    const probe = vi.fn(() => Promise.reject(new ApiError(403, "forbidden", "Your role cannot read this team.")));
    const { socket } = open({ probe });
    await settle();
    latest().serverRefuses();
    await settle();
    expect(probe).toHaveBeenCalledTimes(1);
    expect(socket.status).toEqual({ state: "stopped", message: "Your role cannot read this team." });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.all).toHaveLength(1);

    // "Reconnect now" tries again.
    socket.reconnectNow();
    await settle();
    expect(FakeWebSocket.all).toHaveLength(2);
  });

  it("keeps retrying when the probe says the API is fine (or merely unreachable), and does not probe after a drop", async () => {
    const probe = vi.fn(() => Promise.reject(new ApiError(0, "network_error", "offline")));
    const { socket } = open({ probe });
    await settle();
    latest().serverRefuses();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(socket.status.state).toBe("connecting");
    latest().serverOpens();
    latest().serverDrops();
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it("retries at once when the browser comes back online", async () => {
    const { socket } = open();
    await settle();
    latest().serverOpens();
    latest().serverDrops();
    await vi.advanceTimersByTimeAsync(1000);
    latest().serverRefuses();
    expect(socket.status).toMatchObject({ state: "reconnecting", attempt: 2 });
    (globalThis.window as unknown as EventTarget).dispatchEvent(new Event("online"));
    await settle();
    expect(FakeWebSocket.all).toHaveLength(3);
  });

  it("stop() and dispose() close the socket and never reconnect", async () => {
    const a = open();
    await settle();
    latest().serverOpens();
    a.socket.stop("The session ended.");
    expect(a.socket.status).toEqual({ state: "stopped", message: "The session ended." });
    const b = open();
    await settle();
    latest().serverOpens();
    b.socket.dispose();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(FakeWebSocket.all.every((ws) => ws.readyState === FakeWebSocket.CLOSED)).toBe(true);
  });

  it("opens nothing when disposed before its first connection (a mount undone at once)", async () => {
    open().socket.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeWebSocket.all).toHaveLength(0);
  });
});
