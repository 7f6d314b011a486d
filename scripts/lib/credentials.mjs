/**
 * How the local scripts (`npm start`'s seed, `npm run seed`, the examples) authenticate: with a
 * scoped API key, not the demo owner's password. A password stops working for scripts the moment
 * the person turns on MFA (the dashboard encourages it), and every password sign-in leaves a
 * session behind; a key does neither. The first seed creates the key (signed in with the
 * password, then signed out) and keeps it, with the demo tenant's id, in:
 *
 * - `.dev.vars` for the default local data (`.wrangler/state`), as SWITCHBOARD_API_KEY and
 *   SWITCHBOARD_TENANT_ID;
 * - `<state dir>/scripts.vars` for a stack with its own SWITCHBOARD_STATE_DIR (tests, a second
 *   checkout's data), so such a stack never overwrites the key of the developer's own.
 *
 * An explicit SWITCHBOARD_API_KEY in the environment wins over both.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DEFAULT_STATE_DIR, REPO_ROOT, STATE_DIR } from "./config.mjs";

/** What the key may do: exactly what the seed and the examples need (docs/local-development.md). */
export const SCRIPT_KEY_SCOPES = [
  "tenant:read",
  "agents:read",
  "agents:write",
  "agents:credentials",
  "teams:read",
  "teams:write",
  "egress:read",
  "egress:write",
];
export const SCRIPT_KEY_NAME = "Local scripts (npm start, npm run seed, examples)";
export const API_KEY_VAR = "SWITCHBOARD_API_KEY";
export const TENANT_ID_VAR = "SWITCHBOARD_TENANT_ID";

const ASSIGNMENT = /^([A-Z][A-Z0-9_]*)=(.*)$/;

/** Where this stack's script credentials live (see above). */
export function credentialsFile(stateDir = STATE_DIR) {
  return path.resolve(stateDir) === DEFAULT_STATE_DIR ? path.join(REPO_ROOT, ".dev.vars") : path.join(stateDir, "scripts.vars");
}

function parse(text) {
  const vars = {};
  for (const line of text.split("\n")) {
    const match = ASSIGNMENT.exec(line.trim());
    if (!match) continue;
    let value = match[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    vars[match[1]] = value;
  }
  return vars;
}

/**
 * @returns {{ apiKey: string | null, source: "env" | "file" | null, tenantId: string | null, file: string }}
 */
export function readCredentials({ env = process.env, stateDir = STATE_DIR } = {}) {
  const file = credentialsFile(stateDir);
  const stored = existsSync(file) ? parse(readFileSync(file, "utf8")) : {};
  const fromEnv = env[API_KEY_VAR]?.trim();
  if (fromEnv) return { apiKey: fromEnv, source: "env", tenantId: env[TENANT_ID_VAR]?.trim() || stored[TENANT_ID_VAR] || null, file };
  return {
    apiKey: stored[API_KEY_VAR] || null,
    source: stored[API_KEY_VAR] ? "file" : null,
    tenantId: stored[TENANT_ID_VAR] || null,
    file,
  };
}

/** Writes (or replaces) the two variables in the credentials file, leaving every other line as it is. */
export function saveCredentials({ apiKey, tenantId }, { stateDir = STATE_DIR } = {}) {
  const file = credentialsFile(stateDir);
  const values = { [API_KEY_VAR]: apiKey, [TENANT_ID_VAR]: tenantId };
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  const seen = new Set();
  const updated = lines.map((line) => {
    const name = ASSIGNMENT.exec(line.trim())?.[1];
    if (!name || !(name in values)) return line;
    seen.add(name);
    return `${name}="${values[name]}"`;
  });
  const missing = Object.keys(values).filter((name) => !seen.has(name));
  if (missing.length > 0) {
    while (updated.length > 0 && updated[updated.length - 1] === "") updated.pop();
    if (updated.length > 0) updated.push("");
    updated.push("# The local scripts' API key and the demo tenant (made by the first `npm run seed`; docs/local-development.md).");
    for (const name of missing) updated.push(`${name}="${values[name]}"`);
  }
  writeFileSync(file, `${updated.join("\n").replace(/\n*$/, "")}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
