#!/usr/bin/env node
/**
 * `npm run bench [-- --quick] [--reps N] [--agents 1,16,64] [--only c,e] [--tests throughput,wake]
 * [--product-rate-limits] [--disk] [--diagnose-no-alarm]`: the relay benchmark. What it measures, the flags, and why it is
 * built this way: bench/README.md. Not part of `npm test`.
 *
 * This process is the load client: it pins itself to core 1, starts the server side pinned to
 * core 0 (bench/server.mjs: Node echo + one workerd hosting variants b–e), sets up the relay's
 * tenant through the API, then runs every measurement round-robin over the variants, for
 * `reps` repetitions, and writes bench/results/<timestamp>.json plus a summary table.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { setUpRelayTenant } from "./lib/relay-tenant.mjs";
import { summarise, printSummary } from "./lib/report.mjs";
import { backlog, broadcast, fillLog, requestReply, rowsPerMessage, throughput, wakeUp } from "./lib/scenarios.mjs";
import { buildWorkers, startServer } from "./lib/server-process.mjs";
import { Session } from "./lib/session.mjs";
import { relayVariant, variants as allVariants } from "./lib/variants.mjs";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const productRateLimits = args.includes("--product-rate-limits");
/** Diagnostic: the relay's alarm (audit flush, timeouts, purge) does nothing. Never a product figure. */
const skipAlarm = args.includes("--diagnose-no-alarm");
const valueOf = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
/** `--only c,e`: a subset of the variants (for working on the bench; a real run compares all five). */
const only = valueOf("--only")?.split(",");
/** `--tests throughput,wake`: a subset of the measurements (for working on one; a real run does all). */
const tests = valueOf("--tests")?.split(",");

const CONFIG = {
  mode: quick ? "quick" : "full",
  reps: valueOf("--reps") ? Number(valueOf("--reps")) : quick ? 1 : 2,
  agentCounts: valueOf("--agents") ? valueOf("--agents").split(",").map(Number) : [1, 16, 64],
  bodySizes: [256, 4096],
  throughputMs: quick ? 1000 : 2000,
  /** A burst also ends after this many messages, so a fast relay's audit backlog (flushed after it) stays bounded. */
  throughputMaxMessages: quick ? 2000 : 4000,
  throughputWindow: 128,
  requestReplyRate: 100,
  requestReplyMs: quick ? 1000 : 2500,
  broadcastRecipients: [8, 32, 128],
  broadcastMs: quick ? 1000 : 2000,
  broadcastWindow: 8,
  broadcastBodyBytes: 256,
  wakeIdleMs: 20_000,
  /** (e)'s wake-up is measured with this many messages in its relay's log (each in its own team). */
  wakeLogSizes: quick ? [1_000, 20_000] : [1_000, 100_000],
  wakeSamples: quick ? 1 : 2,
  rowsMessages: quick ? 300 : 1000,
  /** Low traffic, one message per 2.5 s: 24 span one minute, the interval at which the relay writes its cursors row. */
  trickleMessages: quick ? 8 : 24,
  trickleGapMs: 2500,
  unlimitedRates: !productRateLimits,
  diagnoseNoAlarm: skipAlarm,
  clientCore: 1,
  serverCore: 0,
};
const AGENTS_NEEDED = Math.max(...CONFIG.broadcastRecipients) + 1;

const log = (line) => process.stdout.write(`${line}\n`);
const root = new URL("../", import.meta.url).pathname;

function pinSelf(core) {
  try {
    execFileSync("taskset", ["-a", "-cp", String(core), String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    log(`! could not pin the client to core ${core} (taskset missing?): figures will be noisier`);
    return false;
  }
}

/** Rotates the variant order each repetition so no variant always runs first (or last). */
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

function ringEdges(senders) {
  if (senders === 1) return [[0, 1]];
  return Array.from({ length: senders }, (_, i) => [i, (i + 1) % senders]);
}

async function main() {
  const pinned = pinSelf(CONFIG.clientCore);
  // Storage on tmpfs when there is one: see bench/README.md ("Storage and fsync"). --disk keeps it on disk.
  const scratch = !args.includes("--disk") && existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const work = mkdtempSync(`${scratch}/switchboard-bench-`);
  const startedAt = new Date();
  if (skipAlarm) log("! DIAGNOSTIC RUN: the relay's alarm is off (no audit flush, no purge). These are not product figures.");
  log(
    `• switchboard relay bench (${CONFIG.mode}, ${CONFIG.reps} repetition${CONFIG.reps > 1 ? "s" : ""}); client on core ${CONFIG.clientCore}, workerd on core ${CONFIG.serverCore}`,
  );
  log("• building the bench Workers (wrangler deploy --dry-run)…");
  const built = buildWorkers(`${work}/build`);
  const server = await startServer({
    relayScript: built.relay,
    baselinesScript: built.baselines,
    stateDir: `${work}/state`,
    unlimitedRates: CONFIG.unlimitedRates,
    skipAlarm,
    core: CONFIG.serverCore,
  });
  const stopServer = () => server.kill();
  process.on("SIGINT", () => (stopServer(), process.exit(130)));
  const samples = [];
  const loadBefore = loadavg();
  try {
    log(`• setting up the relay's tenant: ${AGENTS_NEEDED} agents, tokens, allowlist (through the API)…`);
    const tenant = await setUpRelayTenant({ baseUrl: server.urls.relayUrl, sql: server.sql, agentCount: AGENTS_NEEDED });
    for (let i = 0; i < AGENTS_NEEDED; i++) await tenant.tokenOf(i);
    const variants = allVariants(server.urls, tenant).filter((v) => !only || only.includes(v.key));
    const byKey = Object.fromEntries(variants.map((v) => [v.key, v]));
    const relayLife = async (teamId = tenant.teamId) =>
      await (await fetch(`${server.urls.relayUrl}__bench/relay-stats?team=${teamId}`)).json();
    const naiveLife = async (room) => {
      const s = await (await fetch(`${server.urls.baselinesUrl}naive/stats?room=${room}`)).json();
      return { bornAt: s.bornAt, stats: s };
    };

    const record = (sample) => {
      samples.push(sample);
      log(
        `  ${sample.variant} ${sample.test}${sample.agents !== undefined ? ` agents=${sample.agents}` : ""}${sample.bodyBytes ? ` body=${sample.bodyBytes}` : ""}${sample.recipients ? ` recipients=${sample.recipients}` : ""}: ${brief(sample)}`,
      );
    };

    const wanted = (test) => !tests || tests.includes(test);
    // The wake-up test's relays: one team per log size (its own relay and log), agents 0 → 1, filled once.
    const wakeTeams = [];
    if (byKey.e && wanted("wake")) {
      for (const size of CONFIG.wakeLogSizes) {
        const team = await tenant.addTeam(`Wake ${size}`, [0, 1], [[0, 1]]);
        const variant = relayVariant(server.urls, tenant, team);
        const session = new Session(variant, 2, `wake-e-${size}`);
        await session.open();
        log(`• filling the wake-up test's relay with ${size.toLocaleString("en")} messages…`);
        const fill = await fillLog(session, size);
        const settled = await auditSettle(() => relayLife(team.teamId), 300_000);
        log(
          `  ${fill.accepted} messages in ${(fill.elapsedMs / 1000).toFixed(1)} s, audit flushed in ${(settled.auditDrainMs / 1000).toFixed(1)} s`,
        );
        await session.close();
        wakeTeams.push({ size, team, variant });
      }
    }

    for (let rep = 0; rep < CONFIG.reps; rep++) {
      log(`• repetition ${rep + 1}/${CONFIG.reps}`);
      for (const senders of wanted("throughput") || wanted("requestReply") ? CONFIG.agentCounts : []) {
        for (const v of rotate(variants, rep + senders)) {
          if (v.key === "e") await tenant.setEdges(ringEdges(senders));
          const session = new Session(v, senders === 1 ? 2 : senders, "bench");
          await session.open();
          for (const bodyBytes of wanted("throughput") ? CONFIG.bodySizes : []) {
            const result = await throughput(session, {
              senders,
              bodyBytes,
              durationMs: CONFIG.throughputMs,
              maxMessages: CONFIG.throughputMaxMessages,
              window: CONFIG.throughputWindow,
            });
            // The relay defers its audit writes (alarm flush): wait for them, so the next test does not
            // pay for this one, and report how long the deferred work took.
            const audit = v.key === "e" && !skipAlarm ? await auditSettle(() => relayLife()) : {};
            // Sustained: the burst's messages over the burst plus the time their audit flush took.
            const sustained =
              audit.auditDrainMs !== undefined
                ? { sustainedPerSec: result.accepted / ((result.elapsedMs + audit.auditDrainMs) / 1000) }
                : {};
            record({ rep, variant: v.key, test: "throughput", agents: senders, bodyBytes, ...result, ...audit, ...sustained });
          }
          for (const bodyBytes of wanted("requestReply") ? CONFIG.bodySizes : []) {
            record({
              rep,
              variant: v.key,
              test: "requestReply",
              agents: senders,
              bodyBytes,
              ratePerSec: CONFIG.requestReplyRate,
              ...(await requestReply(session, {
                senders,
                bodyBytes,
                ratePerSec: CONFIG.requestReplyRate,
                durationMs: CONFIG.requestReplyMs,
              })),
            });
          }
          await session.close();
        }
      }
      for (const recipients of wanted("broadcast") ? CONFIG.broadcastRecipients : []) {
        for (const v of rotate(
          variants.filter((x) => x.broadcast),
          rep + recipients,
        )) {
          if (v.key === "e") await tenant.setEdges(Array.from({ length: recipients }, (_, i) => [0, i + 1]));
          const session = new Session(v, recipients + 1, `bcast${recipients}`);
          await session.open();
          record({
            rep,
            variant: v.key,
            test: "broadcast",
            recipients,
            bodyBytes: CONFIG.broadcastBodyBytes,
            ...(await broadcast(session, {
              bodyBytes: CONFIG.broadcastBodyBytes,
              durationMs: CONFIG.broadcastMs,
              window: CONFIG.broadcastWindow,
            })),
          });
          await session.close();
        }
      }

      // Rows per message: (e) from its stats(), (d) from D1's meta.
      if (wanted("rows")) {
        await tenant.setEdges(ringEdges(1));
        for (const v of [byKey.e, byKey.d].filter(Boolean)) {
          const session = new Session(v, 2, "rows");
          await session.open();
          const statsOf = v.key === "e" ? () => relayLife() : () => naiveLife("rows");
          record({ rep, variant: v.key, test: "rows", ...(await rowsPerMessage(session, { messages: CONFIG.rowsMessages, statsOf })) });
          record({
            rep,
            variant: v.key,
            test: "rowsTrickle",
            ...(await rowsPerMessage(session, { messages: CONFIG.trickleMessages, gapMs: CONFIG.trickleGapMs, statsOf })),
          });
          await session.close();
        }
      }

      // Wake-up: the objects idle side by side (one wait), then each is woken in turn; (e) with a
      // 1,000- and a 100,000-message log in its relay.
      if (wanted("wake")) {
        const wakeSessions = [];
        for (const v of variants.filter((x) => x.hibernates && x.key !== "e")) {
          const session = new Session(v, 2, `wake${rep}`);
          await session.open();
          wakeSessions.push({ session, lifeOf: v.key === "d" ? () => naiveLife(`wake${rep}`).then((x) => x.bornAt) : null, extra: {} });
        }
        for (const { size, team, variant } of wakeTeams) {
          const session = new Session(variant, 2, `wake-e-${size}`);
          await session.open();
          wakeSessions.push({ session, lifeOf: () => relayLife(team.teamId).then((x) => x.bornAt), team, extra: { logMessages: size } });
        }
        for (let sample = 0; sample < CONFIG.wakeSamples; sample++) {
          log(`  (idling ${CONFIG.wakeIdleMs / 1000} s so workerd evicts the objects: wake-up sample ${sample + 1}/${CONFIG.wakeSamples})`);
          const wakes = await Promise.all(wakeSessions.map((w) => wakeUp(w.session, { idleMs: CONFIG.wakeIdleMs, lifeOf: w.lifeOf })));
          for (const [i, w] of wakeSessions.entries()) {
            // (e): what the woken instance read from SQL so far (it rebuilds its memory from storage).
            const extra = w.team ? { rowsReadSinceWake: (await relayLife(w.team.teamId)).stats?.rowsRead ?? null } : {};
            record({ rep, variant: w.session.variant.key, test: "wake", ...wakes[i], ...w.extra, ...extra });
          }
        }
        for (const w of wakeSessions) await w.session.close();
      }

      // An offline recipient's backlog at the product's cap, then its paginated replay (a fresh team: an empty queue).
      if (byKey.e && wanted("backlog")) {
        const team = await tenant.addTeam(`Backlog ${rep}`, [0, 1], [[0, 1]]);
        log(`  (backlog: filling an offline recipient's queue until queue_full, then replaying it)`);
        record({ rep, variant: "e", test: "backlog", ...(await backlog(relayVariant(server.urls, tenant, team))) });
        await auditSettle(() => relayLife(team.teamId), 120_000);
      }
    }
  } finally {
    await server.stop().catch(stopServer);
  }

  const finishedAt = new Date();
  const summary = summarise(samples, CONFIG);
  const result = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
    config: CONFIG,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      clientPinned: pinned,
    },
    variants: {
      a: "node-echo (ws)",
      b: "worker-echo (workerd)",
      c: "do-echo (hibernatable DO, no storage)",
      d: "naive-d1 (awaits D1 inserts per message)",
      e: "relay (TeamRelay via the API Worker)",
    },
    summary,
    samples,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/${startedAt.toISOString().replace(/[:.]/g, "-")}${skipAlarm ? "-diagnostic" : ""}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  printSummary(summary, log);
  if (skipAlarm) log("\n! DIAGNOSTIC RUN (--diagnose-no-alarm): the relay's audit flush was off; the targets above do not apply.");
  log(`\n• ${Math.round((finishedAt - startedAt) / 1000)} s; results in ${file.slice(root.length)}`);
  rmSync(work, { recursive: true, force: true });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls the relay's stats() until every accepted message's audit event has been flushed (≤ 30 s by default). */
async function auditSettle(relayLife, timeoutMs = 30_000) {
  const t0 = performance.now();
  let s = await relayLife();
  if (!s.stats) return {};
  const backlog = Math.max(0, s.stats.messagesAccepted - s.stats.auditFlushed);
  while (s.stats.auditFlushed < s.stats.messagesAccepted && performance.now() - t0 < timeoutMs) {
    await sleep(200);
    s = await relayLife();
  }
  const drainMs = performance.now() - t0;
  return { auditBacklog: backlog, auditDrainMs: Math.round(drainMs), auditDrained: s.stats.auditFlushed >= s.stats.messagesAccepted };
}

function brief(s) {
  const r = (v, d = 0) => (v === null || v === undefined ? "–" : Number(v).toFixed(d));
  const problems = s.problems ? ` problems=${s.problems} (${s.lastProblem?.code ?? ""})` : "";
  if (s.test === "throughput")
    return `${r(s.messagesPerSec)} msg/s${problems}${s.auditBacklog !== undefined ? ` (audit backlog ${s.auditBacklog} flushed in ${r(s.auditDrainMs / 1000, 1)} s → sustained ${s.auditDrained ? "" : "≤ "}${r(s.sustainedPerSec)} msg/s)` : ""}`;
  if (s.test === "requestReply")
    return `p50 ${r(s.p50, 2)} p95 ${r(s.p95, 2)} p99 ${r(s.p99, 2)} ms (${s.completed}/${s.requests})${problems}`;
  if (s.test === "broadcast") return `${r(s.deliveriesPerSec)} deliveries/s${problems}`;
  if (s.test === "wake")
    return `${r(s.wakeMs, 2)} ms after ${s.idleMs / 1000} s idle (evicted: ${s.evicted})${s.logMessages ? `, ${s.logMessages} messages in the log` : ""}${s.rowsReadSinceWake !== undefined ? `, ${s.rowsReadSinceWake} SQL rows read since` : ""}`;
  if (s.test === "backlog")
    return `${s.accepted} accepted, then ${s.refusal?.code ?? "no refusal"}; replayed ${s.replayed} in ${r(s.replayMs)} ms (in order once: ${s.inOrderOnce}); ${s.framesBeforeFirstAck} frames before the first ack`;
  if (s.test === "rows" || s.test === "rowsTrickle")
    return `${r(s.rowsWrittenPerMessage, 3)} SQL rows written/message${s.alarmsSetPerMessage !== undefined ? ` (+ ${r(s.alarmsSetPerMessage, 3)} setAlarm)` : ""}${s.note ? ` (${s.note})` : ""}`;
  return "";
}

main().catch((err) => {
  console.error(`bench failed: ${err?.stack ?? err}`);
  process.exit(1);
});
