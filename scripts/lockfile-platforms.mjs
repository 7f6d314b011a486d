#!/usr/bin/env node
/**
 * Keeps workerd's macOS and Windows packages in package-lock.json.
 *
 * The npm registry our machines reach answers 404 for @cloudflare/workerd-darwin-* and
 * -windows-*, so `npm install` here leaves them out of the lockfile, and `npm ci` then refuses
 * the lockfile ("Missing: … from lock file"). Run this after every `npm install`
 * (`npm run lockfile:fix`): it adds the entries back without an integrity hash, which Linux skips
 * and macOS/Windows fetch from their registry.
 */
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const version = lock.packages["node_modules/workerd"].version;
const platforms = [
  ["darwin-64", "darwin", "x64"],
  ["darwin-arm64", "darwin", "arm64"],
  ["windows-64", "win32", "x64"],
];
for (const [name, os, cpu] of platforms) {
  lock.packages[`node_modules/@cloudflare/workerd-${name}`] ??= {
    version,
    cpu: [cpu],
    dev: true,
    license: "Apache-2.0",
    optional: true,
    os: [os],
    engines: { node: ">=16" },
  };
}
const sorted = {};
for (const key of Object.keys(lock.packages).sort((a, b) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b, "en"))))
  sorted[key] = lock.packages[key];
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
