/**
 * Sprint hand-off: three agents — PM, Engineering, Ops — coordinate the end of a sprint through
 * their team's relay, using @switchboard/sdk.
 *
 *   npm start                                  # in another terminal: the local stack, seeded
 *   npx tsx examples/sprint-handoff/main.ts    # the API at SWITCHBOARD_URL, else localhost:$SWITCHBOARD_PORT (8787)
 *
 * 1. PM asks Engineering for estimates (request → reply).
 * 2. PM broadcasts the sprint plan to the team (Engineering and Ops receive it).
 * 3. PM publishes the release to the `deploys` topic; Ops, subscribed, acknowledges to PM.
 *
 * See README.md beside this file for what the setup step changes in the demo tenant.
 */
import { readCredentials } from "../../scripts/lib/credentials.mjs";
import { SwitchboardAgent, type IncomingMessage, type SwitchboardAgentOptions } from "../../sdk/src/index";
import { setUpDemo, type DemoAgent } from "./setup";

/** The same port variable as `npm start` (SWITCHBOARD_PORT), unless a whole URL is given. */
const URL_ = process.env.SWITCHBOARD_URL || `http://localhost:${process.env.SWITCHBOARD_PORT || 8787}`;
/** SWITCHBOARD_API_KEY, else the local scripts' key that `npm start` keeps in .dev.vars (or the state directory's scripts.vars). */
const CREDENTIALS = readCredentials();
const EMAIL = process.env.SWITCHBOARD_EMAIL ?? "owner@acme.test";
const PASSWORD = process.env.SWITCHBOARD_PASSWORD ?? "switchboard-demo";
const DEADLINE_MS = 30_000;
/** Tags this run's messages, so a replay of an earlier, interrupted run is recognised and skipped. */
const RUN = new Date().toISOString();

const STORIES = [
  { key: "SB-101", title: "Relay metrics on the dashboard" },
  { key: "SB-102", title: "Rotate signing keys from the console" },
  { key: "SB-103", title: "Egress allowlist dry-run" },
];

type EstimateRequest = { run: string; ask: "estimates"; stories: typeof STORIES };
type EstimateReply = { run: string; estimates: { key: string; points: number }[] };
type Plan = { run: string; sprint: number; commitments: { key: string; points: number }[]; totalPoints: number };
type Deploy = { run: string; release: string; window: string };
type DeployAck = { run: string; acknowledged: string; oncall: string };

const names = new Map<string, string>();
const who = (agentId: string) => names.get(agentId) ?? agentId;

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 23)}  ${line}\n`);
}

/** The body without this run's tag, cut to one line. */
function summarise(body: unknown): string {
  const { run: _run, ...rest } = body as Record<string, unknown>;
  const text = JSON.stringify(rest);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

async function webSocketOption(): Promise<Pick<SwitchboardAgentOptions, "WebSocket">> {
  // Node 22+, browsers and Workers have a WebSocket of their own; Node 20 needs the `ws` package.
  if (typeof globalThis.WebSocket === "function") return {};
  return { WebSocket: (await import("ws")).WebSocket as unknown as SwitchboardAgentOptions["WebSocket"] };
}

async function main(): Promise<void> {
  say(
    `Setting up the demo tenant at ${URL_} ${CREDENTIALS.apiKey ? `with the API key from ${CREDENTIALS.source === "env" ? "SWITCHBOARD_API_KEY" : CREDENTIALS.file}` : `as ${EMAIL} (no API key found)`}…`,
  );
  const byPassword = { url: URL_, tenantId: CREDENTIALS.tenantId, email: EMAIL, password: PASSWORD };
  const setup = await setUpDemo({ ...byPassword, apiKey: CREDENTIALS.apiKey }).catch((err: Error) => {
    // A stored key from another (reset) database: the password may still work. A key given in
    // SWITCHBOARD_API_KEY is what the person asked for, so its refusal stands.
    if (CREDENTIALS.source !== "file" || !/API key was refused/.test(err.message)) throw err;
    say(`  • ${err.message.split(" Run")[0]} — signing in as ${EMAIL} instead`);
    return setUpDemo(byPassword);
  });
  for (const note of setup.notes) say(`  • ${note}`);
  for (const a of [setup.pm, setup.engineering, setup.ops]) names.set(a.id, a.name);

  const ws = await webSocketOption();
  const connect = (a: DemoAgent) => new SwitchboardAgent({ url: URL_, agentId: a.id, secret: a.secret, teamId: setup.teamId, ...ws });
  const pm = connect(setup.pm);
  const engineering = connect(setup.engineering);
  const ops = connect(setup.ops);
  const agents = [pm, engineering, ops];

  for (const agent of agents) {
    const name = who(agent.agentId);
    agent.on("connected", ({ welcome, resumed }) =>
      say(`${name} ${resumed ? "reconnected" : "connected"} (team head seq ${welcome.head})`),
    );
    agent.on("reconnecting", ({ delayMs, reason }) => say(`${name} reconnecting in ${delayMs} ms (${reason})`));
    agent.on("denied", ({ frame }) => say(`${name} DENIED ${frame.id}: ${frame.code} — ${frame.reason}`));
    agent.on("error", (err) => say(`${name} error: ${err.code} — ${err.message}`));
  }

  // Engineering answers estimate requests (the handler's return value is the reply).
  engineering.on("request", (req) => {
    const ask = req.body as EstimateRequest;
    if (ask.run !== RUN) return; // a request from an earlier run: its requester is gone
    say(`[seq ${req.seq}]   ↳ Engineering received request from ${who(req.from)}  ${ask.ask} for ${ask.stories.length} stories`);
    const estimates = ask.stories.map((s, i) => ({ key: s.key, points: [3, 5, 8][i % 3]! }));
    return { run: RUN, estimates } satisfies EstimateReply;
  });

  const printDelivery = (to: string) => (m: IncomingMessage) => {
    if ((m.body as { run?: string }).run !== RUN) return;
    say(`[seq ${m.seq}]   ↳ ${to} received ${m.kind}${m.topic ? ` on #${m.topic}` : ""} from ${who(m.from)}  ${summarise(m.body)}`);
  };
  engineering.on("message", printDelivery("Engineering"));

  // Ops acknowledges every deploy it hears about on the topic.
  const opsAcked = new Promise<void>((resolve) => {
    ops.on("message", async (m) => {
      printDelivery("Ops")(m);
      if (m.kind !== "topic" || m.topic !== "deploys") return;
      const deploy = m.body as Deploy;
      if (deploy.run !== RUN) return;
      const ack: DeployAck = { run: RUN, acknowledged: deploy.release, oncall: "ops-primary" };
      const accepted = await ops.send(setup.pm.id, ack);
      say(`[seq ${accepted.seq}] Ops → PM  ack  release ${deploy.release} acknowledged, on call: ${ack.oncall}`);
      resolve();
    });
  });

  // PM hears the acknowledgement.
  const pmHeardAck = new Promise<DeployAck>((resolve) => {
    pm.on("message", (m) => {
      const body = m.body as DeployAck;
      if (m.kind === "direct" && body.run === RUN && body.acknowledged) {
        printDelivery("PM")(m);
        resolve(body);
      }
    });
  });

  await Promise.all(agents.map((a) => a.connect()));
  await ops.subscribe("deploys");
  say("Ops subscribed to #deploys");

  // 1. Estimates.
  say(`PM → Engineering  request  estimates for ${STORIES.map((s) => s.key).join(", ")}`);
  const reply = await pm.request(setup.engineering.id, { run: RUN, ask: "estimates", stories: STORIES } satisfies EstimateRequest, {
    timeoutMs: 10_000,
  });
  const { estimates } = reply.body as EstimateReply;
  say(`[seq ${reply.seq}] Engineering → PM  reply  ${estimates.map((e) => `${e.key}: ${e.points} pts`).join(", ")}`);

  // 2. The plan, to everyone PM may reach.
  const plan: Plan = { run: RUN, sprint: 49, commitments: estimates, totalPoints: estimates.reduce((n, e) => n + e.points, 0) };
  const broadcast = await pm.broadcast(plan);
  say(
    `[seq ${broadcast.seq}] PM ⇒ team  broadcast  sprint ${plan.sprint} plan: ${plan.commitments.length} stories, ${plan.totalPoints} points`,
  );

  // 3. The release, to whoever follows #deploys.
  const deploy: Deploy = { run: RUN, release: "2026.12.1", window: "Thu 14:00 UTC" };
  const published = await pm.publish("deploys", deploy);
  say(`[seq ${published.seq}] PM ⇒ #deploys  publish  release ${deploy.release}, window ${deploy.window}`);

  await opsAcked;
  await pmHeardAck;
  await Promise.all(agents.map((a) => a.close()));
  say("Sprint hand-off complete: estimates in, plan broadcast, release acknowledged by Ops.");
}

const deadline = setTimeout(() => {
  process.stderr.write(`The hand-off did not finish within ${DEADLINE_MS / 1000} s.\n`);
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`Sprint hand-off failed: ${(err as Error)?.message ?? err}\n`);
    process.exit(1);
  },
);
