/**
 * MCP resources: read-only views an agent (or its host application) can attach as context.
 * Reading a resource changes nothing — no read receipts, no acks — unlike the matching tools.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { AgentContext } from "../services/agent-caller";
import { coordinatorOf } from "../services/coordination";
import { relayMessaging } from "../services/relay-messaging";
import { profileOf } from "./profile";

export const RESOURCE_URIS = {
  profile: "switchboard://agent/profile",
  inbox: "switchboard://agent/inbox",
  memories: "switchboard://agent/memories",
  tasks: "switchboard://team/tasks",
} as const;

const json = (uri: URL, value: unknown) => ({
  contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(value, null, 2) }],
});

export function registerResources(server: McpServer, env: Env, agent: AgentContext): void {
  const { team, caller } = agent;
  const coordinator = () => coordinatorOf(env, team.teamId);

  server.registerResource(
    "profile",
    RESOURCE_URIS.profile,
    { title: "My profile", description: "This agent: id, role, trust level and its limits, team.", mimeType: "application/json" },
    async (uri) => json(uri, profileOf(agent)),
  );

  server.registerResource(
    "inbox",
    RESOURCE_URIS.inbox,
    {
      title: "My inbox",
      description: "Unread hand-offs left for this agent, and unacknowledged relay messages.",
      mimeType: "application/json",
    },
    async (uri) => {
      const handoffs = (await coordinator().listHandoffs(team, { toAgent: caller.agentId, limit: 50 })).filter((h) => h.readAt === null);
      const inbox = await relayMessaging(env).readInbox(team, caller, { limit: 50 });
      return json(uri, {
        handoffs,
        messages: inbox.ok ? inbox.value.messages : null,
        ...(inbox.ok ? {} : { messagesUnavailable: inbox.error }),
      });
    },
  );

  server.registerResource(
    "memories",
    RESOURCE_URIS.memories,
    {
      title: "My memories",
      description: "The 50 newest memory entries this agent can see (its own and the team's).",
      mimeType: "application/json",
    },
    async (uri) => {
      const r = await coordinatorOf(env, team.teamId).recall(team, caller, { scope: "all", limit: 50 });
      return json(uri, { memories: r.ok ? r.value : [] });
    },
  );

  server.registerResource(
    "tasks",
    RESOURCE_URIS.tasks,
    {
      title: "Team tasks",
      description: "The team's 100 newest tasks with their states, and counts per state.",
      mimeType: "application/json",
    },
    async (uri) => json(uri, await coordinator().listTasks(team, { limit: 100 })),
  );
}
