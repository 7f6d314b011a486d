#!/usr/bin/env node
/**
 * `npm run bench:coordination [-- --quick]`: the coordination targets, in workerd (the bench build
 * of the API Worker, bench/workers/coordination, run by Miniflare with the root wrangler.toml's
 * bindings), written to bench/results/coordination-<time>.json.
 *
 *   floor      a no-op-ish coordinator RPC (getSettings), sequential: the Durable Object RPC floor,
 *              and the same RPC from 16 concurrent callers: the RPC rate ceiling the claims sit under
 *   locks      acquire + release, sequential, timed inside workerd      target: p50 ≤ 2 ms
 *   claims     16 concurrent claimers emptying a queue of N tasks        target: ≥ 2,000 claims/s per team
 *   http/mcp   the same operation (heartbeat) as `POST /v1/agent/heartbeat` and as the MCP tool
 *              `heartbeat` through the SDK's MCP client, interleaved, from Node: the MCP overhead
 * Every figure is the median over repetitions. Local workerd with storage on tmpfs (`--disk`: on
 * disk); compare with the floor in the same run, and note the load average printed with it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = new URL("../", import.meta.url).pathname;
const quick = process.argv.includes("--quick");
const REPS = quick ? 1 : 3;
const N_LOCKS = quick ? 500 : 2000;
const N_TASKS = quick ? 1000 : 3000;
const N_CALLS = quick ? 100 : 300;
const TARGETS = { lockPairP50Ms: 2, claimsPerSecond: 2000 };

// Storage on tmpfs unless --disk: on this machine's disk every Durable Object commit is an fsync of
// several ms, which measures the disk, not the object (bench/README.md, "Storage and fsync").
const disk = process.argv.includes("--disk");
const work = mkdtempSync(`${!disk && existsSync("/dev/shm") ? "/dev/shm" : tmpdir()}/coord-bench-`);
const log = (m) => process.stderr.write(`${m}\n`);
log("• building the bench Worker (wrangler deploy --dry-run)…");
execFileSync(
  process.execPath,
  [
    `${root}node_modules/wrangler/bin/wrangler.js`,
    "deploy",
    "--dry-run",
    "--outdir",
    `${work}/build`,
    "-c",
    "wrangler.toml",
    "bench/workers/coordination/index.ts",
  ],
  { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "ignore", "inherit"] },
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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await mf.ready;
  const db = await mf.getD1Database("DB", "switchboard-api");
  for (const file of readdirSync(`${root}d1-migrations`)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(`${root}d1-migrations/${file}`, "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) await db.prepare(statement).run();
  }
  const base = (await mf.unsafeGetDirectURL("switchboard-api")).href.replace(/\/$/, "");

  // A tenant, a team of two agents (trust 4), the allowlist open between them, team tokens.
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
  const teamId = (await api("POST", `/v1/tenants/${tenantId}/teams`, { name: "Bench team" })).team.id;
  const agents = [];
  for (const template of ["pm", "engineering"]) {
    const r = await api("POST", `/v1/tenants/${tenantId}/agents`, { name: template, template, trustLevel: 4, teamIds: [teamId] });
    agents.push({ id: r.agent.id, secret: r.secret, template });
  }
  await api("POST", `/v1/tenants/${tenantId}/teams/${teamId}/allowlist/edges`, {
    from: { kind: "role", id: "pm" },
    to: { kind: "role", id: "engineering" },
  });
  const token = (await api("POST", "/v1/agent-tokens", { agentId: agents[1].id, secret: agents[1].secret, teamId })).access_token;
  const benchQuery = `team=${teamId}&tenant=${tenantId}&agent=${agents[1].id}&role=engineering`;
  const benchGet = async (path) => {
    const res = await fetch(`${base}${path}${path.includes("?") ? "&" : "?"}${benchQuery}`);
    if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
    return res.json();
  };

  // Warm-up: object creation, first SQL, JIT, member and allowlist caches.
  await benchGet(`/__bench/coord/locks?n=200`);
  await benchGet(`/__bench/coord/claims?tasks=200&concurrency=8`);

  const mcp = new Client({ name: "bench", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${base.replace("127.0.0.1", "localhost")}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  const httpHeartbeat = () =>
    fetch(`${base}/v1/agent/heartbeat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ status: "bench" }),
    }).then((r) => r.json());
  const mcpHeartbeat = () => mcp.callTool({ name: "heartbeat", arguments: { status: "bench" } });
  for (let i = 0; i < 20; i++) await httpHeartbeat(), await mcpHeartbeat();

  const runs = { floor: [], floorThroughput: [], locks: [], claims: [], http: [], mcp: [] };
  for (let rep = 0; rep < REPS; rep++) {
    log(`• repetition ${rep + 1}/${REPS}`);
    runs.floor.push(await benchGet(`/__bench/coord/floor?n=${N_LOCKS}`));
    runs.locks.push(await benchGet(`/__bench/coord/locks?n=${N_LOCKS}`));
    runs.floorThroughput.push(await benchGet(`/__bench/coord/floor-throughput?n=${N_TASKS}&concurrency=16`));
    runs.claims.push(await benchGet(`/__bench/coord/claims?tasks=${N_TASKS}&concurrency=16`));
    const http = [];
    const viaMcp = [];
    for (let i = 0; i < N_CALLS; i++) {
      let t0 = performance.now();
      await httpHeartbeat();
      http.push(performance.now() - t0);
      t0 = performance.now();
      const r = await mcpHeartbeat();
      if (r.isError) throw new Error(JSON.stringify(r.content));
      viaMcp.push(performance.now() - t0);
    }
    runs.http.push(median(http));
    runs.mcp.push(median(viaMcp));
  }
  await mcp.close();

  const result = {
    floorRpcP50Ms: median(runs.floor.map((r) => r.p50)),
    lockAcquireReleaseP50Ms: median(runs.locks.map((r) => r.p50)),
    lockAcquireReleaseP99Ms: median(runs.locks.map((r) => r.p99)),
    floorRpcPerSecondC16: median(runs.floorThroughput.map((r) => r.callsPerSecond)),
    claimsPerSecond: median(runs.claims.map((r) => r.claimsPerSecond)),
    heartbeatHttpP50Ms: median(runs.http),
    heartbeatMcpP50Ms: median(runs.mcp),
  };
  result.mcpOverheadP50Ms = result.heartbeatMcpP50Ms - result.heartbeatHttpP50Ms;
  const verdict = {
    lockP50: result.lockAcquireReleaseP50Ms <= TARGETS.lockPairP50Ms,
    claims: result.claimsPerSecond >= TARGETS.claimsPerSecond,
  };
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version };
  console.table(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, Math.round(v * 100) / 100])));
  console.log(
    `targets: lock acquire+release p50 ≤ ${TARGETS.lockPairP50Ms} ms → ${verdict.lockP50 ? "met" : "MISSED"}; claims ≥ ${TARGETS.claimsPerSecond}/s → ${verdict.claims ? "met" : "MISSED"}; load average ${machine.loadavg.map((l) => l.toFixed(2)).join(" ")}`,
  );
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/coordination-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  writeFileSync(
    file,
    JSON.stringify(
      {
        config: { quick, disk, reps: REPS, locks: N_LOCKS, tasks: N_TASKS, calls: N_CALLS, concurrency: 16 },
        machine,
        targets: TARGETS,
        verdict,
        result,
        runs,
      },
      null,
      2,
    ),
  );
  log(`• wrote ${file}`);
} finally {
  await mf.dispose();
  rmSync(work, { recursive: true, force: true });
}
