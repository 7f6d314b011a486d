/**
 * The local scripts survive MFA (issue 11): the first seed makes a scoped API key and keeps it
 * beside the stack's data (here `<state dir>/scripts.vars`; `.dev.vars` for the default data), and
 * every later seed and the example authenticate with it — so they keep working once the demo owner
 * turns on MFA, leave no session behind, and find the demo tenant by that key, not by its name.
 * Without a key and with MFA on, the seed says exactly what to do.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/local-stack";
import { SCRIPT_KEY_SCOPES } from "../../scripts/lib/credentials.mjs";
import { OwnerApi, startApiStack, type ApiStack } from "./sdk-support";

let stack: ApiStack;
let owner: OwnerApi;
let tenantId: string;
const varsFile = () => path.join(stack.stateDir, "scripts.vars");
const storedVar = (name: string) => new RegExp(`^${name}="([^"]*)"$`, "m").exec(readFileSync(varsFile(), "utf8"))?.[1];

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, SWITCHBOARD_STATE_DIR: stack.stateDir, SWITCHBOARD_URL: stack.url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
const seedAgain = (env: Record<string, string> = {}) => run(["scripts/seed.mjs", "--url", stack.url], env);
const runExample = (env: Record<string, string> = {}) =>
  run([`${ROOT}/node_modules/tsx/dist/cli.mjs`, "examples/sprint-handoff/main.ts"], env);
const activeSessions = async () => (await owner.call<{ data: unknown[] }>("GET", "/v1/me/sessions")).data.length;

beforeAll(async () => {
  stack = await startApiStack();
  owner = new OwnerApi(stack.url);
  await owner.login();
  tenantId = (await owner.call<{ memberships: { tenantId: string }[] }>("GET", "/v1/me")).memberships[0]!.tenantId;
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the local scripts authenticate with a scoped API key", () => {
  it("the first seed made the key and kept it (and the demo tenant) beside this stack's data, readable by its owner only", async () => {
    expect(stack.seedOutput).toContain("API key for the local scripts");
    const key = storedVar("SWITCHBOARD_API_KEY");
    expect(key).toMatch(/^sbk_/);
    expect(storedVar("SWITCHBOARD_TENANT_ID")).toBe(tenantId);
    expect(statSync(varsFile()).mode & 0o777).toBe(0o600);
    // The checkout's own .dev.vars (a developer's stack) was not touched.
    const checkoutVars = path.join(ROOT, ".dev.vars");
    expect(existsSync(checkoutVars) ? readFileSync(checkoutVars, "utf8") : "").not.toContain(key!);
    // Scoped to what the scripts need, and nothing else.
    const me = await fetch(`${stack.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.json() as Promise<any>);
    expect(me.apiKey).toMatchObject({ tenantId, scopes: SCRIPT_KEY_SCOPES });
  });

  it("seeding again uses the key: nothing duplicated, no new session", async () => {
    const before = await activeSessions();
    for (let i = 0; i < 2; i++) {
      const { code, output } = await seedAgain();
      expect(code, output).toBe(0);
      expect(output).toContain("nothing to seed");
      expect(output).toContain(tenantId);
    }
    expect(await activeSessions()).toBe(before);
  });

  it("re-seeding after renaming the demo tenant keeps using it (no second Acme)", async () => {
    await owner.call("PATCH", `/v1/tenants/${tenantId}`, { name: "Acme Renamed" });
    const { code, output } = await seedAgain();
    expect(code, output).toBe(0);
    expect(output).toContain(`Demo tenant "Acme Renamed": ${tenantId}`);
    const me = await owner.call<{ memberships: { tenantId: string; tenantName: string }[] }>("GET", "/v1/me");
    expect(me.memberships).toEqual([expect.objectContaining({ tenantId, tenantName: "Acme Renamed" })]);
  });

  it("with MFA turned on for the demo owner, the seed and the example still work", async () => {
    const setup = await owner.call<{ secret: string }>("POST", "/v1/me/mfa/totp/setup");
    const totp = new TOTP({ algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(setup.secret) });
    await owner.call("POST", "/v1/me/mfa/totp/enable", { code: totp.generate() });
    const login = await fetch(`${stack.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "owner@acme.test", password: "switchboard-demo" }),
    });
    expect(((await login.json()) as any).mfaRequired).toBe(true); // the password alone no longer signs in

    const before = await activeSessions();
    const seeded = await seedAgain();
    expect(seeded.code, seeded.output).toBe(0);
    expect(seeded.output).toContain("nothing to seed");

    // Pointed at the stack the way `npm start` is: SWITCHBOARD_PORT alone (no SWITCHBOARD_URL).
    const example = await runExample({ SWITCHBOARD_URL: "", SWITCHBOARD_PORT: new URL(stack.url).port });
    expect(example.code, example.output).toBe(0);
    expect(example.output).toContain(`at http://localhost:${new URL(stack.url).port} with the API key from`);
    expect(example.output).toContain("Sprint hand-off complete");
    expect(await activeSessions()).toBe(before);
  }, 120_000);

  it("with MFA on and no usable key, the seed stops and says what to do", async () => {
    const key = storedVar("SWITCHBOARD_API_KEY")!;
    writeFileSync(varsFile(), readFileSync(varsFile(), "utf8").replace(key, ""));
    try {
      const { code, output } = await seedAgain();
      expect(code).toBe(1);
      expect(output).toContain("has MFA turned on");
      expect(output).toContain('SWITCHBOARD_API_KEY="sbk_…"');
      expect(output).toContain("API keys");
      // A key given explicitly that the API refuses is reported as such, not silently replaced.
      const refused = await seedAgain({ SWITCHBOARD_API_KEY: "sbk_AAAAAAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" });
      expect(refused.code).toBe(1);
      expect(refused.output).toContain("SWITCHBOARD_API_KEY (from the environment) was refused");
      // The same key given explicitly works (a key from the dashboard, as the message suggests).
      const explicit = await seedAgain({ SWITCHBOARD_API_KEY: key });
      expect(explicit.code, explicit.output).toBe(0);
    } finally {
      writeFileSync(varsFile(), readFileSync(varsFile(), "utf8").replace('SWITCHBOARD_API_KEY=""', `SWITCHBOARD_API_KEY="${key}"`));
    }
  }, 120_000);
});
