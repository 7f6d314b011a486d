/**
 * The project selector (docs/projects.md) in a real Chromium: its choice is `?project=` in the URL,
 * lists show only that project's agents and teams, the choice survives a reload and follows the
 * side navigation, and "All projects" shows everything again. Screenshots: projects-*.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { SCREENSHOT_DIR } from "./config";
import { launchChromium, newPerson, settled, story, type Person } from "./harness";

const dashboard = inject("dashboardUrl");

let browser: Browser;
let person: Person;
let tenantId: string;
let projectId: string;
const step = story("projects ", () => ({ person }));

async function post(page: Person["page"], url: string, body: unknown): Promise<any> {
  return page.evaluate(
    async ([u, b]) => {
      const res = await fetch(u as string, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
      return res.json();
    },
    [url, body] as const,
  );
}

describe("the project selector", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("a tenant with two projects and an agent in each", async () => {
    const { page } = person;
    // A person of their own, so the demo owner's tenants (other stories') stay as they are.
    await page.goto("/login");
    const signedUp = await post(page, "/v1/auth/signup", { email: `pia-${Date.now()}@projects.test`, password: "a long projects password", name: "Pia Projects" });
    expect(signedUp.user).toBeDefined();
    tenantId = (await post(page, "/v1/tenants", { name: "Projects Co" })).tenant.id;
    projectId = (await post(page, `/v1/tenants/${tenantId}/projects`, { name: "Research" })).project.id;
    await post(page, `/v1/tenants/${tenantId}/agents`, { name: "Default bot", template: "ops" });
    await post(page, `/v1/tenants/${tenantId}/agents`, { name: "Research bot", template: "engineering", projectId });
    await post(page, `/v1/tenants/${tenantId}/teams`, { name: "Research team", projectId });
  });

  step("choosing a project puts it in the URL and filters the lists; reload and navigation keep it", async () => {
    const { page } = person;
    await page.goto(`/t/${tenantId}/agents`);
    await settled(page);
    const rows = page.getByRole("main").getByRole("row");
    await expect.poll(() => rows.count()).toBe(3); // header + 2 agents
    await page.getByLabel("Project").selectOption({ label: "Research" });
    await page.waitForURL((url) => url.searchParams.get("project") === projectId);
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => page.getByRole("main").getByText("Research bot").isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "projects-01-agents-in-research.png") });

    await page.reload();
    await settled(page);
    expect(await page.getByLabel("Project").inputValue()).toBe(projectId);
    await expect.poll(() => rows.count()).toBe(2);

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
    await page.waitForURL((url) => url.pathname.endsWith("/teams") && url.searchParams.get("project") === projectId);
    await expect.poll(() => page.getByRole("main").getByText("Research team").isVisible()).toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "projects-02-teams-in-research.png") });

    await page.getByLabel("Project").selectOption({ label: "All projects" });
    await page.waitForURL((url) => !url.searchParams.has("project"));
  });
});
