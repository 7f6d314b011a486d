#!/usr/bin/env node
/**
 * `npm run bench:runs [-- --quick]`: cross-agent invocation (docs/runs.md) against the relay
 * request/reply path it is built on, in the same run, in workerd (the API Worker as built for
 * deploy, run by Miniflare with the root wrangler.toml's bindings; storage on tmpfs unless --disk).
 *
 *   relay      A sends a `request` frame on its WebSocket, B (a WebSocket client) replies: the round
 *              trip A sees — the baseline
 *   run        A calls `POST /v1/agent/runs` for B, B replies the same way: the invocation round trip
 *              (run row, both audit events, the relay request, the end, reputation, provenance)
 *   throughput `--concurrency` runs in flight at once for one team: runs/s
 * Interleaved (relay, run, relay, run…) so load changes hit both. Targets: run p50 ≤ 20 ms, p99 ≤ 60 ms.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import WebSocket from "ws";

const root = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
const N = quick ? 60 : 300;
const CONCURRENCY = quick ? 8 : 16;
const N_THROUGHPUT = quick ? 80 : 400;
const TARGETS = { runP50Ms: 20, runP99Ms: 60 };
const disk = process.argv.includes("--disk");
const work = mkdtempSync(`${!disk && existsSync("/dev/shm") ? "/dev/shm" : tmpdir()}/runs-bench-`);
const log = (m) => process.stderr.write(`${m}\n`);

log("• building the API Worker (wrangler deploy --dry-run)…");
execFileSync(
  process.execPath,
  [`${root}node_modules/wrangler/bin/wrangler.js`, "deploy", "--dry-run", "--outdir", `${work}/build`, "-c", "wrangler.toml"],
  {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  },
);
const script = `${work}/build/index.js`;
const { workerOptions } = unstable_getMiniflareWorkerOptions(`${root}wrangler.toml`);
const { rootPath: _r, modulesRules: _m, cronTriggers: _c, ...apiOptions } = workerOptions;
const vars = {};
for (const line of readFileSync(`${root}.dev.vars.example`, "utf8").split("\n")) {
  const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
  if (m) vars[m[1]] = m[2];
}
const mf = new Miniflare({
  ...convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        ...apiOptions,
        name: "switchboard-api",
        modules: [{ type: "ESModule", path: script }],
        modulesRoot: dirname(script),
        bindings: { ...apiOptions.bindings, ...vars, ALLOWED_ORIGINS: "http://127.0.0.1" },
        unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
      },
    ],
  }),
  resourcePersistencePath: `${work}/state`,
  resourceTmpPath: `${work}/tmp`,
});

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

try {
  await mf.ready;
  const db = await mf.getD1Database("DB", "switchboard-api");
  for (const file of readdirSync(`${root}d1-migrations`)
    .filter((f) => f.endsWith(".sql"))
    .sort())
    for (const statement of readFileSync(`${root}d1-migrations/${file}`, "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
  const base = (await mf.unsafeGetDirectURL("switchboard-api")).href.replace(/\/$/, "");

  let cookie = "";
  const api = async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json", origin: "http://127.0.0.1", ...(cookie ? { cookie } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith("sb_session="));
    if (set) cookie = set.split(";")[0];
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  await api("POST", "/v1/auth/signup", { email: `bench-${Date.now()}@example.test`, password: "bench password 12345", name: "Bench" });
  const tenantId = (await api("POST", "/v1/tenants", { name: "Bench" })).tenant.id;
  await db.prepare("update tenants set plan = 'team' where id = ?").bind(tenantId).run();
  const teamId = (await api("POST", `/v1/tenants/${tenantId}/teams`, { name: "Bench team" })).team.id;
  const agents = [];
  for (const template of ["pm", "engineering"]) {
    const r = await api("POST", `/v1/tenants/${tenantId}/agents`, { name: template, template, trustLevel: 4, teamIds: [teamId] });
    agents.push({ id: r.agent.id, secret: r.secret });
  }
  await api("POST", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist/edges`, {
    from: { kind: "role", id: "pm" },
    to: { kind: "role", id: "engineering" },
  });
  const tokens = [];
  for (const a of agents) tokens.push((await api("POST", "/v1/agent-tokens", { agentId: a.id, secret: a.secret, teamId })).access_token);

  const connect = async (token) => {
    const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/teams/${teamId}/relay`, ["switchboard.v1"], {
      headers: { authorization: `Bearer ${token}` },
    });
    await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
    ws.send(JSON.stringify({ type: "hello", v: 1 }));
    return ws;
  };
  const caller = await connect(tokens[0]);
  const callee = await connect(tokens[1]);
  // B answers every request at once (runs and plain requests alike).
  callee.on("message", (data) => {
    const text = data.toString();
    if (text === "pong") return;
    const f = JSON.parse(text);
    if (f.type === "deliver" && f.kind === "request")
      callee.send(JSON.stringify({ type: "reply", id: `r-${f.seq}`, inReplyTo: f.id, body: { ok: true } }));
  });
  const waiting = new Map();
  caller.on("message", (data) => {
    const text = data.toString();
    if (text === "pong") return;
    const f = JSON.parse(text);
    if (f.type === "deliver" && f.kind === "reply") waiting.get(f.inReplyTo)?.();
  });
  let n = 0;
  const relayRoundTrip = () =>
    new Promise((resolve) => {
      const id = `q-${++n}`;
      waiting.set(id, resolve);
      caller.send(JSON.stringify({ type: "request", id, to: agents[1].id, body: { input: n }, timeoutMs: 10_000 }));
    });
  const invoke = async () => {
    const res = await fetch(`${base}/v1/agent/runs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens[0]}` },
      body: JSON.stringify({ to: agents[1].id, input: { n: ++n }, budget: { deadlineMs: 10_000 } }),
    });
    const json = await res.json();
    if (json.run?.status !== "succeeded") throw new Error(`run → ${res.status} ${JSON.stringify(json)}`);
  };

  log("• warm-up");
  for (let i = 0; i < 10; i++) await relayRoundTrip(), await invoke();
  const relay = [];
  const run = [];
  log(`• ${N} interleaved round trips each`);
  for (let i = 0; i < N; i++) {
    let t0 = performance.now();
    await relayRoundTrip();
    relay.push(performance.now() - t0);
    t0 = performance.now();
    await invoke();
    run.push(performance.now() - t0);
  }
  log(`• throughput: ${N_THROUGHPUT} runs, ${CONCURRENCY} in flight`);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < N_THROUGHPUT) await invoke();
    }),
  );
  const runsPerSecond = N_THROUGHPUT / ((performance.now() - t0) / 1000);

  const result = {
    relayP50Ms: pct(relay, 50),
    relayP99Ms: pct(relay, 99),
    runP50Ms: pct(run, 50),
    runP99Ms: pct(run, 99),
    runOverheadP50Ms: pct(run, 50) - pct(relay, 50),
    runsPerSecondPerTeam: runsPerSecond,
  };
  const verdict = { runP50: result.runP50Ms <= TARGETS.runP50Ms, runP99: result.runP99Ms <= TARGETS.runP99Ms };
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version };
  console.table(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 100) / 100])));
  console.log(
    `targets: run p50 ≤ ${TARGETS.runP50Ms} ms → ${verdict.runP50 ? "met" : "MISSED"}; p99 ≤ ${TARGETS.runP99Ms} ms → ${verdict.runP99 ? "met" : "MISSED"}; load average ${machine.loadavg.map((l) => l.toFixed(2)).join(" ")}`,
  );
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(
    `${root}bench/results/runs-${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
    JSON.stringify(
      { config: { quick, disk, n: N, concurrency: CONCURRENCY, throughputRuns: N_THROUGHPUT }, machine, targets: TARGETS, verdict, result },
      null,
      2,
    ),
  );
  caller.close();
  callee.close();
} finally {
  await mf.dispose();
  rmSync(work, { recursive: true, force: true });
}
