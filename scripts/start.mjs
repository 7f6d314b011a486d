#!/usr/bin/env node
/**
 * `npm start`: the whole local stack in workerd, seeded with the demo tenant.
 *
 *   1. create .dev.vars with random local secrets if it is missing
 *   2. apply D1 migrations to the local database, and build the dashboard (in parallel)
 *   3. start the stack's processes (scripts/lib/stack.mjs: API + dashboard) and wait until each answers
 *   4. seed the demo data through the API (scripts/seed.mjs; idempotent)
 *   5. print where everything is, then run until Ctrl-C / SIGTERM
 *
 * SWITCHBOARD_PORT, SWITCHBOARD_WEB_PORT, SWITCHBOARD_STATE_DIR (and SWITCHBOARD_WEB_DIST) run a
 * second, independent stack (the smoke and browser tests do).
 */
import {
  API_PORT,
  displayPath,
  INTERNAL_URL,
  LISTEN_HOST,
  PUBLIC_URL,
  STATE_DIR,
  WEB_DIST,
  WEB_PORT,
  WEB_PUBLIC_URL,
} from "./lib/config.mjs";
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { DEMO } from "./lib/demo.mjs";
import { migrateLocal } from "./lib/migrate.mjs";
import { assertPortFree } from "./lib/port.mjs";
import { stackProcesses } from "./lib/stack.mjs";
import { buildDashboard } from "./lib/web-build.mjs";
import { EGRESS_PUBLIC_URL, STUB_HOST, STUB_PORT, startDemoStub } from "./lib/egress.mjs";
import { printSecrets, seed } from "./seed.mjs";
import { OIDC_ENABLED, OIDC_ISSUER } from "./lib/config.mjs";
import { DEMO_SSO } from "./lib/demo.mjs";
import { seedSso } from "./lib/demo-sso.mjs";

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 5_000;
/** The smoke test waits for this line; keep it stable. */
const READY_MARKER = "Switchboard is running";

const running = [];
let stopping = false;

function say(line = "") {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  if (stopping) return; // already on the way out; the first reason is the one that matters
  process.stderr.write(`\n✖ npm start failed: ${message}\n\n`);
  return stop(1);
}

async function migrate() {
  const applied = await migrateLocal();
  say(applied.length ? `• Applied D1 migrations: ${applied.join(", ")}` : "• D1 migrations: up to date");
}

async function build() {
  const ms = await buildDashboard();
  say(`• Built the dashboard into ${displayPath(WEB_DIST)} (${(ms / 1000).toFixed(1)} s)`);
}

/** Polls until the ready URL answers the expected status; gives up early if the process dies. */
async function waitUntilReady(proc, child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${proc.name} exited (${child.exitCode ?? child.signalCode}) before it was ready; its output is above.`);
    }
    try {
      // workerd's first request can take seconds while it loads; a short timeout only adds retries.
      const res = await fetch(proc.readyUrl, { signal: AbortSignal.timeout(15_000) });
      if (res.status === proc.readyStatus) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${proc.name} did not answer ${proc.readyStatus} on ${proc.readyUrl} within ${READY_TIMEOUT_MS / 1000} s.`);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  const exits = running.map(
    ({ child }) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", resolve);
        killGroup(child, "SIGTERM");
      }),
  );
  const timer = setTimeout(() => running.forEach(({ child }) => killGroup(child, "SIGKILL")), STOP_GRACE_MS);
  await Promise.all(exits);
  clearTimeout(timer);
  process.exit(code);
}

function banner({ tenantId, tenantName, secrets, credentialsFile }) {
  const url = PUBLIC_URL;
  const { email, password, name } = DEMO.owner;
  say();
  say("──────────────────────────────────────────────────────────────────────");
  say(`  ${READY_MARKER}`);
  say();
  say(`  Dashboard    ${WEB_PUBLIC_URL}`);
  say(`  Demo login   ${email} / ${password}   (${name}, owner of "${tenantName}")`);
  say();
  say(`  API          ${url}`);
  say(`  API docs     ${url}/docs`);
  say(`  OpenAPI      ${url}/openapi.json`);
  say(`  Health       ${url}/health`);
  say(`  Egress       ${EGRESS_PUBLIC_URL}   (agents' outbound calls; demo stub: https://${STUB_HOST}/ for Engineering)`);
  say();
  say(`  Demo tenant  ${tenantId}`);
  say(`  Local data   ${displayPath(STATE_DIR)}   (stop, delete it, start again for a clean slate)`);
  say(
    `  Scripts' key ${displayPath(credentialsFile)}   (SWITCHBOARD_API_KEY: the seed and the examples use it, so MFA on the demo owner does not stop them)`,
  );
  say();
  if (secrets.length) printSecrets(secrets, (line) => say(line));
  else
    say(
      `  Agent secrets were shown once, when the agents were created. For a new one:\n    POST ${url}/v1/tenants/${tenantId}/agents/{agentId}/rotate-secret`,
    );
  say();
  say("  Try it:");
  say(`    curl -c sb.cookies -H 'content-type: application/json' \\`);
  say(`      -d '{"email":"${email}","password":"${password}"}' ${url}/v1/auth/login`);
  say(`    curl -b sb.cookies ${url}/v1/me`);
  say(`    curl -b sb.cookies ${url}/v1/tenants/${tenantId}/agents`);
  say();
  say("  Press Ctrl-C to stop.");
  say("──────────────────────────────────────────────────────────────────────");
  say();
}

async function main() {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (!stopping) say(`\n• ${signal}: stopping the stack…`);
      stop(0);
    });
  }
  // Last resort if this process dies some other way: never leave workerd running in the background.
  process.on("exit", () => running.forEach(({ child }) => killGroup(child, "SIGKILL")));

  const devVars = ensureDevVars();
  if (devVars.created) say("• Created .dev.vars with fresh random local secrets");
  else if (devVars.added.length) say(`• Added to .dev.vars (new in .dev.vars.example): ${devVars.added.join(", ")}`);

  if (API_PORT === WEB_PORT)
    throw new Error(`SWITCHBOARD_PORT and SWITCHBOARD_WEB_PORT are both ${API_PORT}: the API and the dashboard need a port each.`);
  const processes = stackProcesses();
  for (const proc of processes) await assertPortFree(proc.port, LISTEN_HOST, { envName: proc.portEnv });

  await Promise.all([migrate(), build()]);
  // The egress demo's local "internet" (scripts/lib/egress.mjs); closes with this process.
  await assertPortFree(STUB_PORT, LISTEN_HOST, { envName: "SWITCHBOARD_STUB_PORT" });
  (await startDemoStub()).unref();

  for (const proc of processes) {
    say(`• Starting ${proc.name} on ${proc.publicUrl}`);
    const child = proc.start();
    running.push({ proc, child });
    child.on("exit", (code, signal) => {
      if (!stopping) fail(`${proc.name} stopped unexpectedly (${code ?? signal}).`);
    });
  }
  for (const { proc, child } of running) await waitUntilReady(proc, child);

  say(`• Seeding the demo tenant through the API (${INTERNAL_URL})`);
  const seeded = await seed({ baseUrl: INTERNAL_URL, log: (line) => say(`  ${line}`) });
  if (OIDC_ENABLED) {
    await seedSso({ baseUrl: INTERNAL_URL, tenantId: seeded.tenantId });
    say(
      `• SSO: the demo tenant signs in ${DEMO_SSO.domain} through ${OIDC_ISSUER}; on the login page use "Sign in with SSO" as ${DEMO_SSO.people.map((p) => p.email).join(" or ")} (any password at the provider)`,
    );
  }
  banner(seeded);
}

main().catch((err) => fail(err?.message ?? String(err)));
