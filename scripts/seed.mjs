#!/usr/bin/env node
/**
 * Seeds the demo tenant THROUGH THE HTTP API, so the seed exercises the same validation, plan
 * limits and audit trail as any client, and never drifts from the schema. Idempotent: whatever
 * already exists is reused, only what is missing is created.
 *
 * It authenticates with the local scripts' API key (scripts/lib/credentials.mjs): the first run
 * signs up (or in) as the demo owner, makes the demo tenant and the key, keeps both in `.dev.vars`
 * (or the state directory's `scripts.vars`), and signs out again; later runs use the key alone —
 * so they keep working once the demo owner turns on MFA, and leave no session behind. The demo
 * tenant is found by the key (its tenant) or the recorded SWITCHBOARD_TENANT_ID, never by name:
 * renaming it does not make the next seed create a second one.
 *
 *   npm run seed                      # against http://127.0.0.1:8787 (SWITCHBOARD_PORT to change)
 *   node scripts/seed.mjs --url http://127.0.0.1:8790
 */
import { pathToFileURL } from "node:url";
import { ApiClient, ApiError } from "./lib/api-client.mjs";
import { displayPath, INTERNAL_URL, STATE_DIR } from "./lib/config.mjs";
import { API_KEY_VAR, readCredentials, saveCredentials, SCRIPT_KEY_NAME, SCRIPT_KEY_SCOPES } from "./lib/credentials.mjs";
import { DEMO } from "./lib/demo.mjs";
import { seedEgress } from "./lib/egress.mjs";

/**
 * @param {{ baseUrl: string, log?: (line: string) => void }} options
 * @returns {Promise<{ tenantId: string, tenantName: string, created: string[], secrets: { name: string, secret: string }[], teamId: string, credentialsFile: string }>}
 */
export async function seed({ baseUrl, log = () => {} }) {
  const created = [];
  const credentials = readCredentials();
  let api = credentials.apiKey ? await clientForKey(baseUrl, credentials, log) : null;
  let tenantId = api?.tenantId ?? null;

  if (!api) {
    ({ api, tenantId } = await bootstrapWithPassword(baseUrl, credentials, created));
  }
  const base = `/v1/tenants/${tenantId}`;

  const agents = await api.client.listAll(`${base}/agents?limit=100`);
  const secrets = [];
  const agentIds = [];
  for (const wanted of DEMO.agents) {
    let agent = agents.find((a) => a.name === wanted.name);
    if (!agent) {
      const res = await api.client.post(`${base}/agents`, wanted);
      agent = res.agent;
      secrets.push({ name: agent.name, secret: res.secret });
      created.push(`agent ${agent.name}`);
    }
    agentIds.push(agent.id);
  }

  const teams = await api.client.listAll(`${base}/teams?limit=100`);
  let team = teams.find((t) => t.name === DEMO.team.name);
  if (!team) {
    team = (await api.client.post(`${base}/teams`, { ...DEMO.team, agentIds })).team;
    created.push(`team ${team.name}`);
  } else {
    // The team exists but may have lost an agent (or an agent was re-created): put each back.
    for (const agentId of agentIds.filter((id) => !team.agentIds.includes(id))) {
      await api.client.put(`${base}/teams/${team.id}/agents/${agentId}`);
      created.push(`team membership ${agentId}`);
    }
  }

  // Egress (docs/egress.md): Engineering may call the local demo stub. A scripts' key made before
  // egress existed lacks its scopes: say so rather than fail the whole seed.
  try {
    await seedEgress(api.client, base, await api.client.listAll(`${base}/agents?limit=100`), created);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 403)) throw err;
    log(
      `Egress demo not seeded: the scripts' API key lacks ${SCRIPT_KEY_SCOPES.filter((s) => s.startsWith("egress:")).join(" and ")} (it predates them). Revoke "${SCRIPT_KEY_NAME}" in the dashboard and run \`npm run seed\` to get a new one.`,
    );
  }

  const { tenant } = await api.client.get(base);
  log(created.length ? `Seeded: ${created.join(", ")}.` : "Demo data already present; nothing to seed.");
  return { tenantId, tenantName: tenant.name, teamId: team.id, created, secrets, credentialsFile: credentials.file };
}

/** The stored (or given) key, if the API still accepts it; null when it must be replaced. */
async function clientForKey(baseUrl, credentials, log) {
  const client = new ApiClient(baseUrl, { apiKey: credentials.apiKey });
  try {
    const me = await client.get("/v1/me");
    return { client, tenantId: me.apiKey.tenantId };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
    const reason = err.body?.error?.message ?? "refused";
    if (credentials.source === "env") {
      throw new Error(
        `${API_KEY_VAR} (from the environment) was refused by ${baseUrl}: ${reason}\n` +
          `  Unset it to let the seed use (or make) its own key in ${displayPath(credentials.file)}, or create a new key in the dashboard (API keys).`,
      );
    }
    // A key from an earlier database (the local data was reset), or one revoked in the dashboard.
    log(`The API key in ${displayPath(credentials.file)} was refused (${reason}); making a new one.`);
    return null;
  }
}

/**
 * First run (or a lost key): signs up or in with the demo password, finds or makes the demo
 * tenant, makes the scripts' key, keeps it, and signs out — the session is not needed any more.
 */
async function bootstrapWithPassword(baseUrl, credentials, created) {
  const session = new ApiClient(baseUrl);
  await signUpOrLogIn(session, created, credentials);
  const me = await session.get("/v1/me");
  const owned = me.memberships.filter((m) => m.role === "owner");
  // The recorded demo tenant; else (data from before the tenant was recorded) the owner's first
  // tenant, which the seed made right after signing up. Never by name: people rename it.
  let tenantId =
    owned.find((m) => m.tenantId === credentials.tenantId)?.tenantId ??
    [...owned].sort((a, b) => a.tenantId.localeCompare(b.tenantId))[0]?.tenantId;
  if (!tenantId) {
    tenantId = (await session.post("/v1/tenants", { name: DEMO.tenantName })).tenant.id;
    created.push(`tenant ${DEMO.tenantName}`);
  }
  const issued = await session.post(`/v1/tenants/${tenantId}/api-keys`, { name: SCRIPT_KEY_NAME, scopes: SCRIPT_KEY_SCOPES });
  const file = saveCredentials({ apiKey: issued.key, tenantId });
  created.push(`API key for the local scripts (in ${displayPath(file)})`);
  await session.post("/v1/auth/logout");
  return { api: { client: new ApiClient(baseUrl, { apiKey: issued.key }), tenantId }, tenantId };
}

async function signUpOrLogIn(api, created, credentials) {
  const { email, password, name } = DEMO.owner;
  try {
    await api.post("/v1/auth/signup", { email, password, name });
    created.push(`account ${email}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "email_taken") throw err;
  }
  let answer;
  try {
    answer = await api.post("/v1/auth/login", { email, password });
  } catch (err) {
    if (err instanceof ApiError && err.code === "invalid_credentials") {
      throw new Error(
        `${email} exists but "${password}" was refused, and there is no working API key for the scripts. Either its password was changed, ` +
          "or PASSWORD_PEPPER in .dev.vars changed since the account was created (a new .dev.vars makes every stored password unusable). " +
          `To start over with fresh local data: stop the stack, \`rm -rf ${displayPath(STATE_DIR)}\`, then \`npm start\`.`,
        { cause: err },
      );
    }
    throw err;
  }
  if (answer?.mfaRequired) throw mfaWithoutKey(credentials);
}

/** The demo owner turned MFA on and the scripts have no key: say exactly what to do. */
function mfaWithoutKey(credentials) {
  const { email } = DEMO.owner;
  return new Error(
    [
      `${email} has MFA turned on, so the scripts cannot sign in with the password, and they have no working API key (${displayPath(credentials.file)} has none, or it was refused).`,
      "Do one of these:",
      `  • In the dashboard, open ${DEMO.tenantName} → API keys → Create, with the scopes ${SCRIPT_KEY_SCOPES.join(", ")};`,
      `    then put it in ${displayPath(credentials.file)} as ${API_KEY_VAR}="sbk_…" (or export ${API_KEY_VAR}=sbk_…) and run the command again.`,
      "  • Or turn MFA off for the demo owner (Account → Security), run the command once (it makes its own key), and turn MFA on again.",
      `  • Or start over with fresh local data: stop the stack, \`rm -rf ${displayPath(STATE_DIR)}\`, then \`npm start\`.`,
    ].join("\n"),
  );
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
    console.log(`  Demo tenant "${result.tenantName}": ${result.tenantId}`);
    console.log(`  Demo login:  ${DEMO.owner.email} / ${DEMO.owner.password}`);
    console.log(`  Scripts' API key: ${displayPath(result.credentialsFile)} (${API_KEY_VAR})`);
    printSecrets(result.secrets);
  } catch (err) {
    const unreachable = err?.cause?.code === "ECONNREFUSED" || err?.message === "fetch failed";
    console.error(unreachable ? `Cannot reach the API at ${baseUrl}. Is \`npm start\` running?` : `Seeding failed: ${err.message}`);
    process.exitCode = 1;
  }
}
