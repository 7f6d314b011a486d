#!/usr/bin/env node
/**
 * switchboard-verify: verifies Switchboard audit trails offline — daily archives with their signed
 * digests, and JSONL exports from the dashboard or the API.
 *
 *   npx switchboard-verify <archive dir, export.jsonl or files…> [--keys <jwks.json | https://…/.well-known/audit-digest-keys.json>]
 *       [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--expect-head <hash>] [--json]
 *
 * Exit codes: 0 intact · 1 something is missing, altered, reordered, truncated or unsigned · 2 usage
 * or I/O error. Usage and output: tools/switchboard-verify/README.md.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { verifyArchives } from "./lib/verify.mjs";
import { verifyRunBundle } from "./lib/run-bundle.mjs";

const USAGE = `usage: switchboard-verify <archive dir, export.jsonl or files…> [--keys <jwks.json or URL>] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--expect-head <hash>] [--json]
       switchboard-verify --run-bundle <run bundle.json> [--keys <jwks.json or URL>] [--json]
  archives (digest.json + audit.jsonl.gz) need --keys; a JSONL export alone does not;
  a run bundle is checked against --keys (the platform JWKS) when given, else against the key it carries`;

function fail(message) {
  console.error(`switchboard-verify: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { paths: [], keys: null, from: undefined, to: undefined, expectHead: undefined, json: false, runBundle: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === "--keys") args.keys = value();
    else if (a === "--from") args.from = value();
    else if (a === "--to") args.to = value();
    else if (a === "--expect-head") args.expectHead = value();
    else if (a === "--json") args.json = true;
    else if (a === "--run-bundle") args.runBundle = value();
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("-")) fail(`unknown option ${a}`);
    else args.paths.push(a);
  }
  if (args.paths.length === 0 && !args.runBundle) fail("give at least one archive directory, export (.jsonl) or file");
  if (args.expectHead !== undefined && !/^[0-9a-f]{64}$/.test(args.expectHead)) fail(`not a hash: ${args.expectHead}`);
  for (const d of [args.from, args.to]) if (d !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d)) fail(`not a day: ${d}`);
  return args;
}

/** Directories are searched for digests, archives and exports by name; a file named on the command line is taken whatever its name (a download may have been renamed). */
async function collect(path, out, named = true) {
  const info = await stat(path).catch(() => fail(`no such file or directory: ${path}`));
  if (info.isDirectory()) {
    for (const name of (await readdir(path)).sort()) await collect(join(path, name), out, false);
  } else if (path.endsWith("digest.json") || path.endsWith(".jsonl.gz") || path.endsWith(".jsonl")) {
    out.push({ path, as: path });
  } else if (named) {
    // Not a digest or an archive by its name: read it as a JSONL export.
    out.push({ path, as: path.endsWith(".gz") ? path : `${path}.jsonl` });
  }
}

async function loadKeys(source) {
  try {
    if (/^https?:\/\//.test(source)) {
      const res = await fetch(source, { headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.json();
    }
    return JSON.parse(await readFile(source, "utf8"));
  } catch (e) {
    fail(`cannot read the key set ${source}: ${e.message}`);
  }
}

const args = parseArgs(process.argv.slice(2));

// A run's provenance bundle (docs/runs.md): its own check, its own report.
if (args.runBundle) {
  let bundle;
  try {
    bundle = JSON.parse(await readFile(args.runBundle, "utf8"));
  } catch (e) {
    fail(`cannot read the run bundle ${args.runBundle}: ${e.message}`);
  }
  const report = await verifyRunBundle({ bundle, jwks: args.keys ? await loadKeys(args.keys) : null });
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const p of report.problems) console.log(`FAIL [${p.kind}]: ${p.message}`);
    if (report.ok && report.keySource === "bundle")
      console.log("note: verified with the key the bundle carries; pass --keys with the platform JWKS you saved to prove who signed it.");
    console.log(
      report.ok
        ? `INTACT: run ${report.runId}: the signature verifies, input/output hashes and the audit excerpt match the signed record.`
        : `NOT INTACT: ${report.problems.length} problem(s).`,
    );
  }
  process.exit(report.ok ? 0 : 1);
}
const paths = [];
for (const p of args.paths) await collect(resolve(p), paths);
if (paths.some((p) => p.as.endsWith("digest.json")) && !args.keys)
  fail("--keys is required to check digests (the digest key set: a file, or the URL of /.well-known/audit-digest-keys.json)");
const jwks = args.keys ? await loadKeys(args.keys) : { keys: [] };
// The key file may sit inside the archive directory: it is not a digest.
const keyPath = !args.keys || /^https?:\/\//.test(args.keys) ? null : resolve(args.keys);
const files = [];
for (const p of paths) {
  if (p.path === keyPath) continue;
  const shown = relative(process.cwd(), p.path).split(sep).join("/") || p.path;
  files.push({ path: p.as === p.path ? shown : `${shown}.jsonl`, bytes: new Uint8Array(await readFile(p.path)) });
}

const report = await verifyArchives({ files, jwks, from: args.from, to: args.to, expectHead: args.expectHead });

if (args.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const c of report.chains) {
    console.log(`chain ${c.chainId}: ${c.days} day(s) ${c.firstDay} to ${c.lastDay}, seq ${c.fromSeq}–${c.toSeq}, ${c.events} event(s)`);
  }
  for (const x of report.exports) {
    if (x.fromSeq === undefined) continue;
    const anchored = x.digestsMatched ? `, agrees with ${x.digestsMatched} signed digest(s)` : "";
    console.log(`export ${x.file}: chain ${x.chainId}, seq ${x.fromSeq}–${x.toSeq}, ${x.entries} event(s), head ${x.headHash}${anchored}`);
  }
  for (const n of report.notes) console.log(`note: ${n}`);
  for (const p of report.problems) {
    const where = [p.chainId, p.day].filter(Boolean).join(" ");
    console.log(`FAIL [${p.kind}]${where ? ` ${where}` : ""}: ${p.message}`);
  }
  const what = [
    report.chains.length ? "every digest is signed, every archive matches its digest" : null,
    report.exports.length ? "every exported entry and block re-hashes" : null,
  ]
    .filter(Boolean)
    .join("; ");
  console.log(report.ok ? `INTACT: ${what}, and the chain is complete.` : `NOT INTACT: ${report.problems.length} problem(s).`);
}
process.exit(report.ok ? 0 : 1);
