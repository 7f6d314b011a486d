/**
 * Governance in a real Chromium against the local stack (docs/governance.md): an owner puts the
 * tenant in safe mode from Settings (reason, confirm), the banner shows on every tenant screen,
 * and lifting it clears the banner. Screenshots: governance-*.png.
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
const step = story("governance ", () => ({ person }));

describe("governance", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("an owner puts the tenant in safe mode from Settings, with a reason and a confirmation", async () => {
    const { page } = person;
    await page.goto("/login");
    const signedUp = await pageFetch(page, "POST", "/v1/auth/signup", {
      email: `gia-${Date.now()}@governance.test`,
      password: "a long governance password",
      name: "Gia Governance",
    });
    expect(signedUp.user).toBeDefined();
    tenantId = (await pageFetch(page, "POST", "/v1/tenants", { name: "Governed Co" })).tenant.id;
    await page.goto(`/t/${tenantId}/settings`);
    await checkScreen(page, "governance-settings", { heading: "Settings" });
    const card = page.locator("#safe-mode");
    await card.getByLabel("Reason").fill("Leaked API key, investigating");
    await card.getByRole("button", { name: "Enter safe mode" }).click();
    await checkScreen(page, "governance-safe-mode-confirm", { dialog: "Stop every agent of this tenant?" });
    await page.getByRole("dialog").getByRole("button", { name: "Enter safe mode" }).click();
    await page.getByText("Safe mode: every agent of this tenant is stopped").waitFor();
    await card.getByText("In safe mode").waitFor();
    const status = await pageFetch(page, "GET", `/v1/tenants/${tenantId}/safe-mode`);
    expect(status.tenant).toMatchObject({ reason: "Leaked API key, investigating" });
  });

  step("the banner shows on the other tenant screens", async () => {
    const { page } = person;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
    await page.getByText("Safe mode: every agent of this tenant is stopped").waitFor();
    await page.getByText(/Leaked API key, investigating/).waitFor();
    await settled(page);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "governance-banner.png") });
  });

  step("lifting it clears the banner", async () => {
    const { page } = person;
    await page.getByRole("link", { name: "Manage safe mode" }).click();
    await page.locator("#safe-mode").getByRole("button", { name: "Lift safe mode" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Lift safe mode" }).click();
    await page.getByText("Safe mode: every agent of this tenant is stopped").waitFor({ state: "detached" });
    await page.locator("#safe-mode").getByRole("button", { name: "Enter safe mode" }).waitFor();
    const status = await pageFetch(page, "GET", `/v1/tenants/${tenantId}/safe-mode`);
    expect(status).toEqual({ tenant: null, teams: [] });
  });

  step("an agent's page says what its trust level allows, from the same table", async () => {
    const { page } = person;
    const created = await pageFetch(page, "POST", `/v1/tenants/${tenantId}/agents`, { name: "Scout", template: "custom", trustLevel: 1 });
    expect(created.agent).toBeDefined();
    await page.goto(`/t/${tenantId}/agents/${created.agent.id}`);
    const card = page.getByRole("heading", { name: "What trust level 1 (Supervised) allows" });
    await card.waitFor();
    const allowances = page.getByRole("definition").filter({ hasText: "GET, HEAD, OPTIONS" });
    await allowances.first().waitFor();
    await checkScreen(page, "governance-agent-trust", { heading: "Scout" });
  });
});
