/**
 * A real crash of the relay, not a graceful eviction: the API Worker runs under
 * `wrangler dev --persist-to DIR`; an agent sends N messages; right after the last `accepted`
 * arrives, the whole wrangler/workerd process group gets SIGKILL (no shutdown code runs, nothing
 * is flushed on the way out). Then the same DIR is served again.
 *
 * What it proves: `accepted` meant durable — every accepted message is in the relay's SQLite
 * after the crash and is delivered to the recipient, who was offline the whole time, exactly once
 * and in seq order; and every accepted message's audit event reaches the audit trail afterwards
 * (the crash usually hits before the first 0.5 s flush; the restarted relay flushes the rest from its log cursor), once each.
 * What it does not prove: a crash in the middle of a SQLite commit (that atomicity is the
 * platform's), or behaviour on Cloudflare's storage (local workerd persists to disk files).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { closed, freePort, killGroup, ROOT } from "../support/local-stack";

const N = 40;
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };

let stateDir: string;
let port: number;
let base: string;
let server: ChildProcess | null = null;
let output = "";

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} exited ${code}:\n${out}`))));
  });
}

/** `wrangler dev` on `port` over `stateDir`, in its own process group; resolves once /health answers. */
async function startServer(): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--config",
      "wrangler.toml",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      "0",
      "--persist-to",
      stateDir,
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: ROOT,
      env: { ...wranglerEnv, CLOUDFLARE_DEV_REGISTRY_PATH: path.join(stateDir, "dev-registry") },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  server = child;
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer /health:\n${output}`);
    if (
      await fetch(`${base}/health`, { signal: AbortSignal.timeout(5_000) }).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGKILL to wrangler and workerd together: a crash, no graceful shutdown. */
async function crashServer(): Promise<void> {
  if (!server) return;
  killGroup(server, "SIGKILL");
  await closed(server);
  server = null;
}

let cookie = "";
async function api<T = any>(method: string, pathname: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie;
  const res = await fetch(base + pathname, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const session = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
  if (session) cookie = session.split(";")[0]!;
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

type Frame = Record<string, any>;

/** A relay connection that records every frame. */
async function connect(
  teamId: string,
  token: string,
): Promise<{ ws: WebSocket; frames: Frame[]; waitFor(pred: (fs: Frame[]) => boolean, what: string, ms?: number): Promise<void> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/teams/${teamId}/relay`, { headers: { authorization: `Bearer ${token}` } });
  const frames: Frame[] = [];
  ws.on("message", (data) => frames.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const waitFor = async (pred: (fs: Frame[]) => boolean, what: string, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!pred(frames)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(frames).slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  ws.send(JSON.stringify({ type: "hello", v: 1 }));
  await waitFor((fs) => fs.some((f) => f.type === "welcome"), "welcome");
  return { ws, frames, waitFor };
}

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "switchboard-crash-"));
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await run(["d1", "migrations", "apply", "switchboard", "--local", "--persist-to", stateDir]);
  await startServer();
}, 90_000);

afterAll(async () => {
  if (server) {
    killGroup(server, "SIGKILL");
    await closed(server);
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("relay crash (SIGKILL of wrangler dev --persist-to, then restart)", () => {
  it(`every accepted message survives: delivered exactly once and in order after the restart, and audited once each`, async () => {
    await api("POST", "/v1/auth/signup", {
      email: `crash-${Date.now()}@example.test`,
      password: "crash-test-password-1",
      name: "Crash Tester",
    });
    const tenantId = (await api("POST", "/v1/tenants", { name: "Crash" })).tenant.id as string;
    const t = `/v1/tenants/${tenantId}`;
    const teamId = (await api("POST", `${t}/teams`, { name: "Crash team" })).team.id as string;
    const agents = [];
    for (const name of ["sender", "recipient"]) {
      const res = await api("POST", `${t}/agents`, { name, template: "custom", trustLevel: 4, teamIds: [teamId] });
      agents.push({ id: res.agent.id as string, secret: res.secret as string });
    }
    const [sender, recipient] = agents as [(typeof agents)[0], (typeof agents)[0]];
    await api("POST", `${t}/teams/${teamId}/allowlist/edges`, {
      from: { kind: "agent", id: sender.id },
      to: { kind: "agent", id: recipient.id },
    });
    const token = async (a: { id: string; secret: string }) =>
      (await api("POST", "/v1/agent-tokens", { agentId: a.id, secret: a.secret, teamId })).access_token as string;
    const recipientToken = await token(recipient);

    const alice = await connect(teamId, await token(sender));
    const sendStart = Date.now();
    for (let i = 0; i < N; i++) alice.ws.send(JSON.stringify({ type: "send", id: `crash-${i}`, to: recipient.id, body: { i } }));
    await alice.waitFor((fs) => fs.filter((f) => f.type === "accepted").length === N, `${N} accepted`);
    const acceptedAfterMs = Date.now() - sendStart;
    // The flush runs 2 s after the first message: normally none of these events is in the trail yet.
    const auditedBeforeCrash = (await api("GET", `${t}/audit?action=relay.message_accepted&limit=100`)).data.length;
    await crashServer();
    console.log(`${N} accepted within ${acceptedAfterMs} ms; ${auditedBeforeCrash} of their audit events in the trail; then SIGKILL`);

    const accepted = alice.frames.filter((f) => f.type === "accepted");
    expect(accepted.map((f) => f.id)).toEqual(Array.from({ length: N }, (_, i) => `crash-${i}`));
    const seqs = accepted.map((f) => f.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    await startServer();
    const auditedAtRestart = (await api("GET", `${t}/audit?action=relay.message_accepted&limit=100`)).data.length;
    console.log(`audit events of the ${N} accepted messages already in the trail when the relay restarted: ${auditedAtRestart}`);
    // The recipient was offline throughout: everything comes from the relay's storage.
    const bob = await connect(teamId, recipientToken);
    await bob.waitFor((fs) => fs.filter((f) => f.type === "deliver").length >= N, `${N} deliveries`);
    await new Promise((r) => setTimeout(r, 500));
    const delivered = bob.frames.filter((f) => f.type === "deliver");
    expect(delivered.map((f) => f.seq)).toEqual(seqs);
    expect(delivered.map((f) => f.body.i)).toEqual(Array.from({ length: N }, (_, i) => i));
    bob.ws.close();

    // Audit: the flush cursor survived too; the restarted relay's alarm writes each event once.
    const deadline = Date.now() + 20_000;
    let events: Frame[] = [];
    for (;;) {
      events = [];
      let cursor: string | null = null;
      do {
        const page: { data: Frame[]; nextCursor: string | null } = await api(
          "GET",
          `${t}/audit?action=relay.message_accepted&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        );
        events.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      if (events.length >= N || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const auditedSeqs = events.map((e) => e.details.seq as number).sort((a, b) => a - b);
    expect(auditedSeqs).toEqual(seqs);
  }, 90_000);
});
