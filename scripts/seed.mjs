#!/usr/bin/env node
/**
 * Seeds the demo tenant THROUGH THE HTTP API, so the seed exercises the same validation, plan
 * limits and audit trail as any client, and never drifts from the schema. Idempotent: whatever
 * already exists (matched by email / name) is reused, only what is missing is created.
 *
 *   npm run seed                      # against http://127.0.0.1:8787 (SWITCHBOARD_PORT to change)
 *   node scripts/seed.mjs --url http://127.0.0.1:8790
 */
import { pathToFileURL } from "node:url";
import { ApiClient, ApiError } from "./lib/api-client.mjs";
import { displayPath, INTERNAL_URL, STATE_DIR } from "./lib/config.mjs";
import { DEMO } from "./lib/demo.mjs";
import { seedEgress } from "./lib/egress.mjs";

/**
 * @param {{ baseUrl: string, log?: (line: string) => void }} options
 * @returns {Promise<{ tenantId: string, created: string[], secrets: { name: string, secret: string }[], teamId: string }>}
 */
export async function seed({ baseUrl, log = () => {} }) {
  const api = new ApiClient(baseUrl);
  const created = [];

  await signUpOrLogIn(api, created);

  const me = await api.get("/v1/me");
  let tenantId = me.memberships.find((m) => m.tenantName === DEMO.tenantName && m.role === "owner")?.tenantId;
  if (!tenantId) {
    tenantId = (await api.post("/v1/tenants", { name: DEMO.tenantName })).tenant.id;
    created.push(`tenant ${DEMO.tenantName}`);
  }
  const base = `/v1/tenants/${tenantId}`;

  const agents = await api.listAll(`${base}/agents?limit=100`);
  const secrets = [];
  const agentIds = [];
  for (const wanted of DEMO.agents) {
    let agent = agents.find((a) => a.name === wanted.name);
    if (!agent) {
      const res = await api.post(`${base}/agents`, wanted);
      agent = res.agent;
      secrets.push({ name: agent.name, secret: res.secret });
      created.push(`agent ${agent.name}`);
    }
    agentIds.push(agent.id);
  }

  const teams = await api.listAll(`${base}/teams?limit=100`);
  let team = teams.find((t) => t.name === DEMO.team.name);
  if (!team) {
    team = (await api.post(`${base}/teams`, { ...DEMO.team, agentIds })).team;
    created.push(`team ${team.name}`);
  } else {
    // The team exists but may have lost an agent (or an agent was re-created): put each back.
    for (const agentId of agentIds.filter((id) => !team.agentIds.includes(id))) {
      await api.put(`${base}/teams/${team.id}/agents/${agentId}`);
      created.push(`team membership ${agentId}`);
    }
  }

  // Egress (docs/egress.md): Engineering may call the local demo stub.
  await seedEgress(api, base, await api.listAll(`${base}/agents?limit=100`), created);

  log(created.length ? `Seeded: ${created.join(", ")}.` : "Demo data already present; nothing to seed.");
  return { tenantId, teamId: team.id, created, secrets };
}

async function signUpOrLogIn(api, created) {
  const { email, password, name } = DEMO.owner;
  try {
    await api.post("/v1/auth/signup", { email, password, name });
    created.push(`account ${email}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "email_taken") throw err;
  }
  try {
    await api.post("/v1/auth/login", { email, password });
  } catch (err) {
    if (err instanceof ApiError && err.code === "invalid_credentials") {
      throw new Error(
        `${email} exists but "${password}" was refused. Either its password was changed, or PASSWORD_PEPPER in .dev.vars ` +
          "changed since the account was created (a new .dev.vars makes every stored password unusable). " +
          `To start over with fresh local data: stop the stack, \`rm -rf ${displayPath(STATE_DIR)}\`, then \`npm start\`.`,
        { cause: err },
      );
    }
    throw err;
  }
}

export function printSecrets(secrets, print = console.log) {
  if (secrets.length === 0) return;
  print("  Agent secrets — shown ONCE, only their hashes are stored (rotate one to get a new secret):");
  const width = Math.max(...secrets.map((s) => s.name.length));
  for (const { name, secret } of secrets) print(`    ${name.padEnd(width)}  ${secret}`);
}

function urlFromArgs(argv) {
  const i = argv.indexOf("--url");
  if (i !== -1 && argv[i + 1]) return argv[i + 1];
  return process.env.SWITCHBOARD_URL || INTERNAL_URL;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const baseUrl = urlFromArgs(process.argv.slice(2));
  try {
    const result = await seed({ baseUrl, log: (line) => console.log(line) });
    console.log(`  Demo tenant "${DEMO.tenantName}": ${result.tenantId}`);
    console.log(`  Demo login:  ${DEMO.owner.email} / ${DEMO.owner.password}`);
    printSecrets(result.secrets);
  } catch (err) {
    const unreachable = err?.cause?.code === "ECONNREFUSED" || err?.message === "fetch failed";
    console.error(unreachable ? `Cannot reach the API at ${baseUrl}. Is \`npm start\` running?` : `Seeding failed: ${err.message}`);
    process.exitCode = 1;
  }
}
