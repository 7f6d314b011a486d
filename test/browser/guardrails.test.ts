/**
 * The Guardrails screen in a real Chromium against the local stack (docs/governance.md "Dashboard:
 * the Guardrails screen"): an owner opens it from the side nav, sees the default policy, types a
 * destructive command into "Test a command" and sees it blocked with the rule that matched; a
 * harmless one is allowed; after a rule override in the tenant config the same command is only
 * logged; a higher trust level turns "require approval" into "log". Screenshots: guardrails-*.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { SCREENSHOT_DIR } from "./config";
import { checkScreen, launchChromium, newPerson, pageFetch, type Person, settled, story } from "./harness";

const dashboard = inject("dashboardUrl");

let browser: Browser;
let person: Person;
let tenantId: string;
const step = story("guardrails ", () => ({ person }));

const decision = () => person.page.getByRole("region", { name: "Decision" });

async function testCommand(command: string, trust?: string) {
  const { page } = person;
  const form = page.getByRole("form", { name: "Test a command" });
  if (trust) await form.getByLabel("Trust level").selectOption(trust);
  await form.getByLabel("Command").fill(command);
  await form.getByRole("button", { name: "Check" }).click();
  await decision().waitFor();
  await settled(page);
}

describe("guardrails", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("an owner opens Guardrails from the side nav and sees the default policy", async () => {
    const { page } = person;
    await page.goto("/login");
    const signedUp = await pageFetch(page, "POST", "/v1/auth/signup", {
      email: `gus-${Date.now()}@guardrails.test`,
      password: "a long guardrails password",
      name: "Gus Guardrails",
    });
    expect(signedUp.user).toBeDefined();
    tenantId = (await pageFetch(page, "POST", "/v1/tenants", { name: "Guarded Co" })).tenant.id;
    await page.goto(`/t/${tenantId}/agents`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Guardrails" }).click();
    await page.getByRole("heading", { level: 1, name: "Guardrails" }).waitFor();
    await page.getByText("The default policy: this tenant has not set its own.").waitFor();
    await page.getByText("No rule overrides.").waitFor();
  });

  step("typing a destructive command shows it blocked, with the rule, pack, severity and why", async () => {
    const { page } = person;
    await testCommand("sudo rm -rf /");
    await decision().getByText("Blocked: the agent would be refused.").waitFor();
    await decision().getByRole("cell", { name: "fs.rm_root" }).waitFor();
    await decision().getByRole("cell", { name: "core.filesystem" }).waitFor();
    await decision().getByRole("cell", { name: "critical" }).waitFor();
    await checkScreen(page, "guardrails-blocked", { heading: "Guardrails" });
  });

  step("a harmless command is allowed", async () => {
    await testCommand("ls -la");
    await decision().getByText("Allowed: no guardrail rule matched.").waitFor();
    expect(await decision().getByRole("table").count()).toBe(0);
  });

  step("a high-severity command needs approval at trust 2, and is only logged at trust 3", async () => {
    await testCommand("git reset --hard origin/main", "2");
    await decision().getByText("Requires approval: a person must approve it first.").waitFor();
    await testCommand("git reset --hard origin/main", "3");
    await decision().getByText("Allowed and logged.").waitFor();
    await decision()
      .getByText(/The trust level turned/)
      .waitFor();
  });

  step("a rule override in the tenant config changes the policy shown and the answer", async () => {
    const { page } = person;
    const patched = await pageFetch(page, "PATCH", `/v1/tenants/${tenantId}`, {
      config: {
        guardrails: { severities: { critical: "block", high: "require_approval", medium: "log" }, rules: { "fs.rm_root": "log" } },
      },
    });
    expect(patched.tenant.config.guardrails.rules).toEqual({ "fs.rm_root": "log" });
    await page.reload();
    await page.getByText(/Set in the tenant config \(version \d+\)/).waitFor();
    await page.getByText("fs.rm_root", { exact: true }).first().waitFor();
    await testCommand("sudo rm -rf /", "2");
    await decision().getByText("Allowed and logged.").waitFor();
    await settled(page);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "guardrails-override.png"), fullPage: true });
  });
});
