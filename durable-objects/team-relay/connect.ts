/**
 * The upgrade, relay side. The API Worker has verified who is connecting (agent token, or a
 * person's session / API key with teams:read) and forwards the upgrade with an identity header it
 * built itself. Here: refresh the member list from D1 (the truth for role, trust and suspension),
 * refuse an agent that is suspended by now — including one suspended while this upgrade was on
 * its way, whose closeAgent call found no socket to close — or that holds the maximum number of
 * connections on this team's relay, then accept the socket and store its identity in the attachment.
 */
import { PROTOCOL_VERSION, SUBPROTOCOL } from "../../workers/shared/relay/protocol";
import { agentTag, OBSERVER_TAG, type Attachment } from "./connections";
import type { FramePath } from "./frames";
import { IDENTITY_HEADER, type ConnectIdentity } from "./identity";
import { sendPresenceSnapshot } from "./presence";
import type { RelayCore } from "./relay-core";
import { writeMeta } from "./schema";

export async function connect(core: RelayCore, frames: FramePath, request: Request): Promise<Response> {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
  const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null") as ConnectIdentity | null;
  if (!identity) return new Response("Missing identity.", { status: 400 });
  bindTeam(core, identity.teamId, identity.tenantId);
  const connId = crypto.randomUUID();
  let attachment: Attachment;
  let tags: string[];
  if (identity.kind === "agent") {
    const full = () => core.connections.ofAgent(identity.agentId).length >= core.limits.maxSocketsPerAgent;
    if (full()) return tooMany(core);
    await frames.refreshMembers(true);
    const member = core.roster.get(identity.agentId);
    if (member?.suspended)
      return Response.json(
        { error: { code: "agent_suspended", message: "The agent is suspended. An admin must resume it before it can connect." } },
        { status: 403 },
      );
    // Not in D1's list yet (a read racing the team change that added it): the API verified membership.
    if (!member) core.roster.upsert({ agentId: identity.agentId, role: identity.role, trust: identity.trust, suspended: false });
    if (full()) return tooMany(core);
    attachment = {
      kind: "agent",
      agentId: identity.agentId,
      tenantId: identity.tenantId,
      role: identity.role,
      trust: identity.trust,
      exp: identity.exp,
      connId,
      ready: false,
    };
    tags = [agentTag(identity.agentId)];
  } else {
    attachment = { kind: "observer", userId: identity.userId, tenantId: identity.tenantId, connId };
    tags = [OBSERVER_TAG];
  }
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  core.ctx.acceptWebSocket(server, tags);
  core.connections.set(server, attachment);
  if (attachment.kind === "observer") {
    server.send(
      JSON.stringify({
        type: "welcome",
        v: PROTOCOL_VERSION,
        agentId: `observer:${attachment.userId}`,
        teamId: core.teamId,
        resumeFrom: core.head,
        head: core.head,
      }),
    );
    sendPresenceSnapshot(core, server, null);
  }
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: identity.subprotocol ? { "Sec-WebSocket-Protocol": SUBPROTOCOL } : {},
  });
}

function tooMany(core: RelayCore): Response {
  return Response.json(
    {
      error: {
        code: "rate_limited",
        message: `An agent may hold ${core.limits.maxSocketsPerAgent} connections to a team's relay at once.`,
      },
    },
    { status: 429 },
  );
}

/** The first call names the team; every later one must name the same. */
export function bindTeam(core: RelayCore, teamId: string, tenantId: string): void {
  if (core.teamId === teamId && core.tenantId === tenantId) return;
  if (core.teamId && core.teamId !== teamId) throw new Error(`relay of ${core.teamId} addressed as ${teamId}`);
  writeMeta(core.sql, "team_id", teamId);
  writeMeta(core.sql, "tenant_id", tenantId);
  core.teamId = teamId;
  core.tenantId = tenantId;
}
