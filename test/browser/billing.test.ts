/**
 * Billing in a real Chromium against the local stack and its Stripe fake (docs/billing.md): the
 * free plan's billing screen, Upgrade → the fake's Checkout page → Pay → back on Switchboard with
 * the plan changed by Stripe's webhook, a hard budget and the over-budget banner on other screens,
 * and the Customer Portal link. Screenshots: billing-*.png.
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
const step = story("billing ", () => ({ person }));

describe("billing", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("a new tenant is on the free plan, with its usage against the plan", async () => {
    const { page } = person;
    await page.goto("/login");
    const signedUp = await pageFetch(page, "POST", "/v1/auth/signup", {
      email: `bea-${Date.now()}@billing.test`,
      password: "a long billing password",
      name: "Bea Billing",
    });
    expect(signedUp.user).toBeDefined();
    tenantId = (await pageFetch(page, "POST", "/v1/tenants", { name: "Billing Co" })).tenant.id;
    await page.goto(`/t/${tenantId}/billing`);
    await checkScreen(page, "billing-free", { heading: "Billing" });
    await page.getByRole("heading", { name: "Free plan" }).waitFor();
    const usage = page.getByRole("table", { name: "Usage this month against the plan" });
    // The header and one row per usage kind (workers/shared/billing/usage-kinds.ts).
    await expect.poll(() => usage.getByRole("row").count()).toBe(6);
    expect(await usage.getByRole("row", { name: /Relayed messages/ }).textContent()).toContain("10,000");
    expect(await usage.getByRole("row", { name: /Skill invocations/ }).textContent()).toContain("1,000");
  });

  step("Upgrade → Checkout (the Stripe fake) → Pay → back with the Team plan", async () => {
    const { page } = person;
    await page.getByRole("button", { name: "Upgrade to Team" }).click();
    await page.getByRole("heading", { name: "Team plan" }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/pay\//);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "billing-checkout-page.png"), fullPage: true });
    await page.getByRole("button", { name: "Pay and subscribe" }).click();
    await page.waitForURL((url) => url.pathname === `/t/${tenantId}/billing` && url.searchParams.get("checkout") === "success");
    // The plan follows Stripe's webhook (queue → consumer), then the screen's poll.
    await page.getByRole("heading", { name: "Team plan" }).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Manage billing" }).waitFor();
    await checkScreen(page, "billing-team", { heading: "Billing" });
  });

  step("a hard budget reached shows on the billing screen and as a banner on other screens", async () => {
    const { page } = person;
    const form = page.getByRole("form", { name: "New budget" });
    await form.getByLabel("Metric").selectOption({ label: "Relayed messages" });
    await form.getByLabel("Hard cap").fill("0");
    await form.getByRole("button", { name: "Add budget" }).click();
    const budgets = page.getByRole("table", { name: "Budgets" });
    await budgets.getByText("Hard cap reached").waitFor();
    await page.getByText(/Hard limit reached/).waitFor();
    await checkScreen(page, "billing-budget", { heading: "Billing" });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Agents" }).click();
    await page.getByText("Billing needs attention").waitFor();
    await settled(page);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "billing-banner.png") });
  });

  step("Manage billing opens the Customer Portal (the fake's), which links back", async () => {
    const { page } = person;
    await page.goto(`/t/${tenantId}/billing`);
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.getByRole("heading", { name: "Billing portal" }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "billing-portal-page.png"), fullPage: true });
    await page.getByRole("link", { name: "Return to Switchboard" }).click();
    await page.waitForURL((url) => url.pathname === `/t/${tenantId}/billing`);
    await page.getByRole("heading", { name: "Team plan" }).waitFor();
  });
});
