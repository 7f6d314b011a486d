/**
 * The bench's server side, started by bench/run.mjs as `taskset -c 0 node bench/server.mjs …`
 * so that it — and the workerd process Miniflare spawns, which inherits the affinity — stays on
 * core 0 while the load client runs on core 1.
 *
 * Hosts:
 *   (a) a Node `ws` echo server (the machine's floor);
 *   (b)–(d) the bench baselines Worker (bench/workers/baselines) and
 *   (e) the bench build of the API Worker with the real TeamRelay (bench/workers/relay),
 * both in ONE workerd process, each reached through its own direct socket (Miniflare's
 * `unsafeDirectSockets`: workerd's socket bound straight to that Worker, without Miniflare's entry
 * router in front; see bench/README.md).
 *
 * Protocol with run.mjs: one JSON line on stdout when ready (the URLs), then JSON commands on
 * stdin, one per line, each answered by one JSON line (`sql` runs statements against a D1
 * database; `stop` ends the process).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { WebSocketServer } from "ws";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const [relayScript, baselinesScript, stateDir, unlimitedRates, skipAlarm, inspectorPort] = process.argv.slice(2);
const root = new URL("..", import.meta.url).pathname;
/** The API Worker's options from the root wrangler.toml (wrangler's own translation), minus what the bundle replaces. */
const { workerOptions } = unstable_getMiniflareWorkerOptions(`${root}wrangler.toml`);
const { rootPath: _rootPath, modulesRules: _modulesRules, cronTriggers: _cronTriggers, ...apiOptions } = workerOptions;

/** Local secrets from .dev.vars.example (dev-only placeholders), so a fresh clone runs and a developer's .dev.vars never matters. */
function exampleVars() {
  const vars = {};
  for (const line of readFileSync(`${root}.dev.vars.example`, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

/** wrangler's dry-run bundle is one ES module; module names are relative to its folder. */
const esModule = (path) => ({ modules: [{ type: "ESModule", path }], modulesRoot: dirname(path) });
const COMPAT = { compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat"] };

// Miniflare 5 takes a new options shape; the v4 shape (documented, and what wrangler 4 speaks) is
// converted. Storage (Durable Objects' SQLite, D1) lives under stateDir, which run.mjs puts on
// tmpfs unless --disk: see bench/README.md, "Storage and fsync".
const options = convertV4MiniflareOptions({
  host: "127.0.0.1",
  port: 0,
  workers: [
    {
      // The root wrangler.toml's bindings, as `wrangler dev` would give them, with the bench's bundle
      // and its own local secrets (never the developer's .dev.vars values).
      ...apiOptions,
      name: "switchboard-api",
      ...esModule(relayScript),
      // The Cedar policy Worker is asked only for tenants that turned Cedar on; the bench's never do.
      serviceBindings: Object.fromEntries(Object.entries(apiOptions.serviceBindings ?? {}).filter(([name]) => name !== "POLICY")),
      bindings: {
        ...apiOptions.bindings,
        ...exampleVars(),
        ALLOWED_ORIGINS: "http://127.0.0.1",
        BENCH_UNLIMITED_RATES: unlimitedRates === "1" ? "1" : "0",
        BENCH_SKIP_ALARM: skipAlarm === "1" ? "1" : "0",
      },
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    },
    {
      name: "bench-baselines",
      ...esModule(baselinesScript),
      ...COMPAT,
      d1Databases: { BENCH_DB: "switchboard-bench" },
      durableObjects: { ECHO: { className: "EchoObject", useSQLite: true }, NAIVE: { className: "NaiveRelay", useSQLite: true } },
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    },
  ],
});
// `inspectorPort` (bench/profile.mjs only): workerd's V8 inspector, for CPU profiles of the relay's isolate.
// The Workers' console output (errors from the relay, the ledger…) goes to stderr, where run.mjs shows it.
const mf = new Miniflare({
  ...options,
  log: new Log(LogLevel.WARN),
  resourcePersistencePath: stateDir,
  resourceTmpPath: `${stateDir}/tmp`,
  ...(inspectorPort ? { inspectorPort: Number(inspectorPort) } : {}),
});

/** Applies the drizzle-kit migrations (the same SQL wrangler applies) and the naive relay's tables. */
async function migrate() {
  const db = await mf.getD1Database("DB", "switchboard-api");
  const dir = `${root}d1-migrations`;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(`${dir}/${file}`, "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
  const bench = await mf.getD1Database("BENCH_DB", "bench-baselines");
  for (const statement of readFileSync(`${root}bench/workers/baselines/schema.sql`, "utf8").split(";")) {
    const sql = statement.replace(/^\s*--.*$/gm, "").trim();
    if (sql) await bench.prepare(sql).run();
  }
}

/** (a) The floor: Node's `ws` echoing each frame back; a broadcast frame also goes to every other client. */
function nodeEcho() {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.on("message", (data) => {
      const text = data.toString();
      ws.send(text);
      if (text.startsWith('{"type":"broadcast"')) for (const other of wss.clients) if (other !== ws) other.send(text);
    });
  });
  return new Promise((resolve) => wss.on("listening", () => resolve(wss)));
}

const commands = {
  async sql({ binding, worker, statements }) {
    const db = await mf.getD1Database(binding, worker);
    const results = [];
    for (const { sql, params = [] } of statements)
      results.push(
        (
          await db
            .prepare(sql)
            .bind(...params)
            .all()
        ).results,
      );
    return results;
  },
  async stop() {
    await mf.dispose();
    process.exit(0);
  },
};

await mf.ready;
await migrate();
const echo = await nodeEcho();
const relayUrl = await mf.unsafeGetDirectURL("switchboard-api");
const baselinesUrl = await mf.unsafeGetDirectURL("bench-baselines");
process.stdout.write(
  `${JSON.stringify({ ready: true, relayUrl: relayUrl.href, baselinesUrl: baselinesUrl.href, nodeEchoUrl: `ws://127.0.0.1:${echo.address().port}`, pid: process.pid })}\n`,
);

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, cmd, ...args } = JSON.parse(line);
  try {
    process.stdout.write(`${JSON.stringify({ id, ok: true, result: await commands[cmd](args) })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: String(err?.stack ?? err) })}\n`);
  }
}
await mf.dispose();
