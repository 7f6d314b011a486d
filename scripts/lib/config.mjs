/**
 * Settings of the local stack, in one place. Environment overrides exist so a test (or a second
 * checkout) can run its own stack beside a developer's without sharing a port or a database.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a port number.`);
  return port;
}

export const API_PORT = portFromEnv("SWITCHBOARD_PORT", 8787);
/** The dashboard (`wrangler pages dev`): people open this one. */
export const WEB_PORT = portFromEnv("SWITCHBOARD_WEB_PORT", 8788);
/** The local data of `npm start` when SWITCHBOARD_STATE_DIR does not say otherwise. */
export const DEFAULT_STATE_DIR = path.resolve(REPO_ROOT, ".wrangler/state");
/** Where wrangler keeps local D1 and Durable Object data; migrations and `wrangler dev` must agree on it. */
export const STATE_DIR = path.resolve(REPO_ROOT, process.env.SWITCHBOARD_STATE_DIR || DEFAULT_STATE_DIR);
/**
 * wrangler's dev registry: how the dashboard's `API` service binding finds this stack's API
 * process. One per state directory (not wrangler's per-user default), so two stacks running side
 * by side — a developer's and a test's — never bind to each other's API.
 */
export const DEV_REGISTRY_DIR = path.join(STATE_DIR, "dev-registry");
/** The Pages project (web/wrangler.toml, web/functions/). */
export const WEB_DIR = path.join(REPO_ROOT, "web");
/** The dashboard build `wrangler pages dev` serves. Tests build into a temporary directory instead, so they never replace the files a running stack serves. */
export const WEB_DIST = path.resolve(REPO_ROOT, process.env.SWITCHBOARD_WEB_DIST || "web/dist");
/** wrangler dev listens on loopback only: the local stack is not meant to be reachable from the network. */
export const LISTEN_HOST = "127.0.0.1";
/** The address printed for people: `localhost` is in ALLOWED_ORIGINS and keeps cookies non-Secure. */
export const PUBLIC_URL = `http://localhost:${API_PORT}`;
/** The address the scripts themselves use, so an IPv6-first `localhost` cannot miss the IPv4 listener. */
export const INTERNAL_URL = `http://${LISTEN_HOST}:${API_PORT}`;
/** The dashboard's address for people (and the origin the API sees for its requests: cookies, CSRF, links). */
export const WEB_PUBLIC_URL = `http://localhost:${WEB_PORT}`;
export const WEB_INTERNAL_URL = `http://${LISTEN_HOST}:${WEB_PORT}`;

/** A path as people should read it: relative inside the repo, absolute outside it. */
export function displayPath(p) {
  return p.startsWith(REPO_ROOT + path.sep) ? path.relative(REPO_ROOT, p) : p;
}

/**
 * A local OpenID provider for trying single sign-on (docs/sso.md): `SWITCHBOARD_OIDC=1 npm start`
 * also runs oidc-provider (scripts/oidc-provider.mjs) and connects the demo tenant's SSO to it.
 */
export const OIDC_ENABLED = process.env.SWITCHBOARD_OIDC === "1";
export const OIDC_PORT = portFromEnv("SWITCHBOARD_OIDC_PORT", 8790);
export const OIDC_ISSUER = `http://${LISTEN_HOST}:${OIDC_PORT}`;

/**
 * The local Stripe fake (docs/billing.md, "Local Stripe"): `npm start` runs it and points the API
 * at it unless .dev.vars has a STRIPE_SECRET_KEY of its own (a real test account) or
 * SWITCHBOARD_STRIPE_FAKE=0. The key and signing secret are the fake's, not secrets.
 */
export const STRIPE_FAKE_PORT = portFromEnv("SWITCHBOARD_STRIPE_FAKE_PORT", 8791);
export const STRIPE_FAKE_URL = `http://${LISTEN_HOST}:${STRIPE_FAKE_PORT}`;
export const STRIPE_FAKE_PUBLIC_URL = `http://localhost:${STRIPE_FAKE_PORT}`;
export const STRIPE_FAKE_KEYS = { secretKey: "sk_test_switchboard_local_fake", webhookSecret: "whsec_switchboard_local_fake" };
export const STRIPE_FAKE_ENABLED = process.env.SWITCHBOARD_STRIPE_FAKE !== "0" && !devVarsHasStripeKey();

function devVarsHasStripeKey() {
  try {
    return /^\s*STRIPE_SECRET_KEY\s*=\s*["']?[^"'\s]/m.test(readFileSync(path.join(REPO_ROOT, ".dev.vars"), "utf8"));
  } catch {
    return false;
  }
}
