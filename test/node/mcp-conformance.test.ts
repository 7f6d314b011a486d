/**
 * The public MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in package.json)
 * against the real, authenticated `/mcp` of `wrangler dev`. The suite sends no credentials, so a
 * small proxy in THIS HARNESS adds the agent token to every request it forwards — the product has
 * no unauthenticated mode. Expected failures are listed, one reason each, in
 * mcp-conformance-expected-failures.yml: only scenarios that need the suite's own fixture tools,
 * resources or prompts (`test_simple_text`, …), which a product server does not carry. The suite
 * fails on a stale entry too, so the list cannot rot.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../support/local-stack";
import { WranglerDev } from "../support/wrangler-dev";

const dev = new WranglerDev();
let proxy: http.Server;
let proxyUrl = "";
let token = "";

/** Forwards to the stack with `Authorization: Bearer <agent token>` added; everything else untouched (Host included, so DNS-rebinding checks still see the suite's Host). */
function startProxy(port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    const upstream = http.request({ host: "127.0.0.1", port: dev.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on("error", (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  await dev.start();
  const team = await dev.teamOfAgents(["pm"]);
  token = await team.token(team.agents[0]!);
  const port = await freePort();
  proxy = await startProxy(port);
  proxyUrl = `http://localhost:${port}/mcp`;
}, 120_000);

afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await dev.stop();
});

function conformance(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js"), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

describe("MCP conformance suite", () => {
  const runs = [
    { name: "default run (2025-era wire)", args: [], baseline: "mcp-conformance-expected-failures.yml" },
    {
      name: "--requirements 2026-07-28",
      args: ["--requirements", "2026-07-28"],
      baseline: "mcp-conformance-expected-failures-2026-07-28.yml",
    },
  ];
  for (const run of runs) {
    it(`${run.name}: passes every scenario except the listed fixture-only ones`, async () => {
      const { code, output } = await conformance([
        "server",
        "--url",
        proxyUrl,
        ...run.args,
        "--expected-failures",
        path.join(import.meta.dirname, run.baseline),
        "--timeout",
        "20000",
        ...(process.env.MCP_CONFORMANCE_OUT ? ["-o", process.env.MCP_CONFORMANCE_OUT] : []),
      ]);
      const summary = output.slice(output.lastIndexOf("=== SUMMARY ==="));
      console.log(`${run.name}\n${summary}`);
      expect(code, summary).toBe(0);
    }, 600_000);
  }
});
