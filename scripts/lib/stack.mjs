/**
 * The processes `npm start` runs, as data, so adding one is a list entry rather than new control
 * flow. Two today, mirroring the two things that are deployed:
 *
 * - the API Worker (`wrangler dev`), on its own port for curl, SDKs and agents;
 * - the dashboard (`wrangler pages dev`): the built app plus web/functions/, whose `/v1/*`
 *   function hands requests to the API through the `API` service binding — the same path as in
 *   production. wrangler's dev registry connects the binding to the API process; each stack gets
 *   its own registry (DEV_REGISTRY_DIR) so parallel stacks never cross-wire.
 *
 * Further Workers join the API's `wrangler dev` session as extra `-c workers/<name>/wrangler.toml`
 * configs (STACK.md: the first config serves the port, the others are reached through bindings).
 * docs/decisions.md ("Dashboard hosting") says why the dashboard is a second process instead.
 */
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import {
  API_PORT,
  DEV_REGISTRY_DIR,
  INTERNAL_URL,
  LISTEN_HOST,
  OIDC_ENABLED,
  OIDC_ISSUER,
  OIDC_PORT,
  PUBLIC_URL,
  REPO_ROOT,
  STATE_DIR,
  WEB_DIR,
  WEB_DIST,
  WEB_INTERNAL_URL,
  WEB_PORT,
  WEB_PUBLIC_URL,
} from "./config.mjs";
import { STRIPE_FAKE_ENABLED, STRIPE_FAKE_KEYS, STRIPE_FAKE_PORT, STRIPE_FAKE_PUBLIC_URL, STRIPE_FAKE_URL } from "./config.mjs";
import { spawnWrangler } from "./wrangler.mjs";
import { egressProcess } from "./egress.mjs";

/**
 * @typedef {object} StackProcess
 * @property {string} name         shown in messages
 * @property {number} port         must be free before start
 * @property {string} portEnv      the variable that moves it to another port (named in the "port taken" advice)
 * @property {string} readyUrl     answers `readyStatus` once the process serves
 * @property {number} readyStatus
 * @property {string} publicUrl    printed in the banner
 * @property {() => import("node:child_process").ChildProcess} start
 */

/**
 * `--inspector-port 0`: the devtools port is picked by the OS when it binds. wrangler's default
 * checks that 9229 is free and binds it a moment later; two wrangler processes starting together
 * (this stack's API and dashboard, or another stack's) could both see it free, and one then died
 * with "Address already in use (socket direct:1:default)".
 */
const INSPECTOR = ["--inspector-port", "0"];

// detached: its own process group, which start.mjs stops as a whole (wrangler + workerd).
// The terminal is ours: no hotkey prompt, and Ctrl-C reaches start.mjs rather than wrangler's key handler.
const spawnOptions = { detached: true, stdio: ["ignore", "inherit", "inherit"], env: { CLOUDFLARE_DEV_REGISTRY_PATH: DEV_REGISTRY_DIR } };

/** @returns {StackProcess[]} */
export function stackProcesses() {
  return [
    {
      name: "API Worker (wrangler dev)",
      port: API_PORT,
      portEnv: "SWITCHBOARD_PORT",
      readyUrl: `${INTERNAL_URL}/health`,
      readyStatus: 200,
      publicUrl: PUBLIC_URL,
      start: () =>
        spawnWrangler(
          [
            "dev",
            "--config",
            "wrangler.toml",
            // The policy Worker (Cedar) joins the API's session: reached only through the POLICY binding.
            "--config",
            "workers/policy/wrangler.toml",
            "--ip",
            LISTEN_HOST,
            "--port",
            String(API_PORT),
            ...INSPECTOR,
            "--persist-to",
            STATE_DIR,
            "--show-interactive-dev-session=false",
            ...stripeFakeVars(),
          ],
          spawnOptions,
        ),
    },
    {
      name: "Dashboard (wrangler pages dev)",
      port: WEB_PORT,
      portEnv: "SWITCHBOARD_WEB_PORT",
      // 401 from the API through the dashboard: the static server, the /v1 function AND the
      // service binding to the API all work (a missing binding answers 500/503 instead).
      readyUrl: `${WEB_INTERNAL_URL}/v1/me`,
      readyStatus: 401,
      publicUrl: WEB_PUBLIC_URL,
      start: () =>
        spawnWrangler(
          // Run from web/: Pages reads web/wrangler.toml and web/functions/ from its working directory.
          // Its own --persist-to: two workerd processes sharing one directory fail with SQLITE_BUSY
          // on wrangler's cache database. The dashboard keeps no data of its own.
          [
            "pages",
            "dev",
            WEB_DIST,
            "--ip",
            LISTEN_HOST,
            "--port",
            String(WEB_PORT),
            ...INSPECTOR,
            "--persist-to",
            path.join(STATE_DIR, "dashboard"),
            "--show-interactive-dev-session=false",
          ],
          { ...spawnOptions, cwd: WEB_DIR },
        ),
    },
    // SWITCHBOARD_OIDC=1: a local OpenID provider to sign in with SSO (docs/sso.md).
    ...(OIDC_ENABLED
      ? [
          {
            name: "Local OpenID provider (oidc-provider)",
            port: OIDC_PORT,
            portEnv: "SWITCHBOARD_OIDC_PORT",
            readyUrl: `${OIDC_ISSUER}/.well-known/openid-configuration`,
            readyStatus: 200,
            publicUrl: OIDC_ISSUER,
            start: () =>
              spawn(process.execPath, [path.join(REPO_ROOT, "scripts/oidc-provider.mjs")], { ...spawnOptions, env: { ...process.env } }),
          },
        ]
      : []),
    // The egress proxy: its own wrangler dev and port (scripts/lib/egress.mjs says why).
    egressProcess(),
    // Billing against the local Stripe fake (docs/billing.md, "Local Stripe"), unless .dev.vars has a real test key.
    ...(STRIPE_FAKE_ENABLED
      ? [
          {
            name: "Local Stripe fake",
            port: STRIPE_FAKE_PORT,
            portEnv: "SWITCHBOARD_STRIPE_FAKE_PORT",
            // 401 without an API key: the fake serves.
            readyUrl: `${STRIPE_FAKE_URL}/v1/customers`,
            readyStatus: 401,
            publicUrl: STRIPE_FAKE_PUBLIC_URL,
            start: () =>
              spawn(process.execPath, [TSX_CLI, path.join(REPO_ROOT, "scripts/stripe-fake/server.ts")], {
                ...spawnOptions,
                env: {
                  ...process.env,
                  STRIPE_FAKE_PORT: String(STRIPE_FAKE_PORT),
                  STRIPE_FAKE_HOST: LISTEN_HOST,
                  STRIPE_FAKE_PUBLIC_ORIGIN: STRIPE_FAKE_PUBLIC_URL,
                  STRIPE_FAKE_SECRET_KEY: STRIPE_FAKE_KEYS.secretKey,
                  STRIPE_FAKE_WEBHOOK_SECRET: STRIPE_FAKE_KEYS.webhookSecret,
                  STRIPE_FAKE_WEBHOOK_URL: `${INTERNAL_URL}/v1/billing/webhooks`,
                  STRIPE_FAKE_STATE: path.join(STATE_DIR, "stripe-fake.json"),
                },
              }),
          },
        ]
      : []),
  ];
}

const TSX_CLI = path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs");

/** The API's Stripe settings for the fake (`--var` wins over .dev.vars): its key, its signing secret, where it listens, its price catalogue. */
function stripeFakeVars() {
  if (!STRIPE_FAKE_ENABLED) return [];
  const prices = execFileSync(process.execPath, [TSX_CLI, path.join(REPO_ROOT, "scripts/stripe-fake/print-prices.ts")], {
    encoding: "utf8",
  }).trim();
  return [
    "--var",
    `STRIPE_SECRET_KEY:${STRIPE_FAKE_KEYS.secretKey}`,
    "--var",
    `STRIPE_WEBHOOK_SECRET:${STRIPE_FAKE_KEYS.webhookSecret}`,
    "--var",
    `STRIPE_API_BASE:${STRIPE_FAKE_URL}`,
    "--var",
    `STRIPE_PRICES:${prices}`,
  ];
}
