/**
 * What an agent's program needs to connect, as text to paste: an env file, the install command
 * and a program using the SDK's public API (sdk/README.md: `new SwitchboardAgent({ url, agentId,
 * secret, teamId })`, `on("message" | "request")`, `connect()`, `close()`). Pure, so the env file
 * and the program are checked to agree (agent-connection.test.ts).
 */

/** The environment variables the program reads; `SWITCHBOARD_URL` is the example's name too. */
export const AGENT_ENV = {
  url: "SWITCHBOARD_URL",
  agentId: "SWITCHBOARD_AGENT_ID",
  secret: "SWITCHBOARD_AGENT_SECRET",
  teamId: "SWITCHBOARD_TEAM_ID",
} as const;

export const SDK_PACKAGE = "@switchboard/sdk";
export const PROGRAM_FILE = "agent.mjs";

export interface AgentConnection {
  apiOrigin: string;
  agentId: string;
  /** Known only right after creation or rotation. */
  secret?: string;
  /** The team whose relay to join; undefined while the agent is in no team. */
  teamId?: string;
}

export function envFile(c: AgentConnection): string {
  return [
    `${AGENT_ENV.url}=${c.apiOrigin}`,
    `${AGENT_ENV.agentId}=${c.agentId}`,
    ...(c.secret ? [] : ["# The agent's secret: shown once, when the agent was created or its secret rotated."]),
    `${AGENT_ENV.secret}=${c.secret ?? ""}`,
    ...(c.teamId ? [] : ["# Add the agent to a team first: agents connect to a team's relay."]),
    `${AGENT_ENV.teamId}=${c.teamId ?? ""}`,
  ].join("\n");
}

export const installCommand = `npm install ${SDK_PACKAGE}`;

export const program = `// ${PROGRAM_FILE}: run with  node --env-file=.env ${PROGRAM_FILE}  (Node 22 or newer)
import { SwitchboardAgent } from "${SDK_PACKAGE}";

const agent = new SwitchboardAgent({
  url: process.env.${AGENT_ENV.url},
  agentId: process.env.${AGENT_ENV.agentId},
  secret: process.env.${AGENT_ENV.secret},
  teamId: process.env.${AGENT_ENV.teamId},
});

agent.on("message", (m) => console.log(\`#\${m.seq} \${m.kind} from \${m.from}:\`, m.body));
// A request's reply is whatever the handler returns.
agent.on("request", async (req) => ({ received: req.body }));

await agent.connect();
console.log("Connected to the team's relay. Ctrl-C to stop.");
process.on("SIGINT", async () => {
  await agent.close();
  process.exit(0);
});
`;
