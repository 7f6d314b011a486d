/**
 * A triage agent built with the Cloudflare Agents SDK (`agents`) that is a member of a Switchboard
 * team: each instance is a Durable Object that holds one Switchboard relay connection (opened with
 * @switchboard/sdk's Workers transport), answers the requests other agents send it, and keeps what
 * it has handled — and the relay cursor — in its Agent state, so a Durable Object evicted and
 * woken again resumes where it left off. Guide: README.md beside this file.
 */
import { Agent, routeAgentRequest } from "agents";
import { SwitchboardAgent, workersFetchTransport, type IncomingMessage, type IncomingRequest, type MessageBody } from "@switchboard/sdk";

export interface Env {
  TriageAgent: DurableObjectNamespace<TriageAgent>;
  /** The Switchboard API, e.g. `http://localhost:8787`. */
  SWITCHBOARD_URL: string;
  SWITCHBOARD_AGENT_ID: string;
  /** A secret (`wrangler secret put SWITCHBOARD_AGENT_SECRET`; `.dev.vars` locally). */
  SWITCHBOARD_AGENT_SECRET: string;
  SWITCHBOARD_TEAM_ID: string;
}

export interface TriageState {
  /** Whether this agent should be on the relay: it reconnects on wake-up (`onStart`) while true. */
  online: boolean;
  /** The last relay seq handled, handed back as `resumeFrom` after an eviction. */
  cursor: number;
  handled: number;
  last: { seq: number; from: string; kind: string; body: MessageBody } | null;
}

type Priority = "p1" | "p2" | "p3";

/** The agent's own logic, kept pure: a ticket's priority from its text. */
export function triage(body: MessageBody): { priority: Priority; reason: string } {
  const text = JSON.stringify(body).toLowerCase();
  if (/outage|down|data loss|security/.test(text)) return { priority: "p1", reason: "production impact" };
  if (/bug|error|fail/.test(text)) return { priority: "p2", reason: "defect" };
  return { priority: "p3", reason: "request" };
}

export class TriageAgent extends Agent<Env, TriageState> {
  override initialState: TriageState = { online: false, cursor: 0, handled: 0, last: null };

  private relay: SwitchboardAgent | undefined;
  private stopKeepAlive: (() => void) | undefined;

  /** Runs on every wake-up: an agent that was online when it was evicted goes back on the relay. */
  override async onStart(): Promise<void> {
    if (this.state.online) await this.goOnline();
  }

  /**
   * `POST …/online` joins the relay, `POST …/offline` leaves it, `POST …/send` sends
   * `{ to, body }` to another agent of the team, `GET` answers the state.
   */
  override async onRequest(request: Request): Promise<Response> {
    const action = new URL(request.url).pathname.split("/").pop();
    if (request.method === "POST" && action === "online") {
      await this.goOnline();
      return Response.json(this.state);
    }
    if (request.method === "POST" && action === "offline") {
      await this.goOffline();
      return Response.json(this.state);
    }
    if (request.method === "POST" && action === "send") {
      if (!this.relay) return Response.json({ error: { code: "not_online", message: "POST …/online first." } }, { status: 409 });
      const { to, body } = await request.json<{ to: string; body: MessageBody }>();
      return Response.json(await this.relay.send(to, body));
    }
    return Response.json(this.state);
  }

  private async goOnline(): Promise<void> {
    if (this.relay) return;
    const relay = new SwitchboardAgent({
      url: this.env.SWITCHBOARD_URL,
      agentId: this.env.SWITCHBOARD_AGENT_ID,
      secret: this.env.SWITCHBOARD_AGENT_SECRET,
      teamId: this.env.SWITCHBOARD_TEAM_ID,
      // Workers have no WebSocket constructor for outbound sockets: the upgrade goes through fetch.
      openSocket: workersFetchTransport(),
      resumeFrom: this.state.cursor,
    });
    relay.on("request", (req: IncomingRequest) => {
      this.record(req);
      return triage(req.body);
    });
    relay.on("message", (m: IncomingMessage) => this.record(m));
    relay.on("error", (err) => console.error(`switchboard: ${err.code}: ${err.message}`));
    this.relay = relay;
    // An outbound WebSocket alone does not keep a Durable Object in memory: keepAlive() does,
    // until goOffline() releases it. If the object is evicted anyway, onStart() reconnects.
    this.stopKeepAlive = await this.keepAlive();
    try {
      await relay.connect();
    } catch (err) {
      await this.goOffline();
      throw err;
    }
    this.setState({ ...this.state, online: true });
  }

  private async goOffline(): Promise<void> {
    const relay = this.relay;
    this.relay = undefined;
    this.stopKeepAlive?.();
    this.stopKeepAlive = undefined;
    this.setState({ ...this.state, online: false });
    await relay?.close();
  }

  private record(m: IncomingMessage): void {
    this.setState({
      ...this.state,
      cursor: m.seq,
      handled: this.state.handled + 1,
      last: { seq: m.seq, from: m.from, kind: m.kind, body: m.body },
    });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // `/agents/triage-agent/<name>/…` reaches the TriageAgent instance called <name>.
    return (
      (await routeAgentRequest(request, env)) ??
      Response.json({ error: { code: "not_found", message: "Try /agents/triage-agent/<name>." } }, { status: 404 })
    );
  },
} satisfies ExportedHandler<Env>;
