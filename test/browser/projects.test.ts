/**
 * The project selector (docs/projects.md) in a real Chromium: its choice is `?project=` in the URL,
 * lists show only that project's agents and teams, the choice survives a reload and follows the
 * side navigation, and "All projects" shows everything again; API keys made in a project are bound
 * to it. Screenshots: projects-*.png.
 */
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { SCREENSHOT_DIR } from "./config";
import { launchChromium, newPerson, pageFetch, type Person, settled, story } from "./harness";

const dashboard = inject("dashboardUrl");

let browser: Browser;
let person: Person;
let tenantId: string;
let projectId: string;
const step = story("projects ", () => ({ person }));

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
    const signedUp = await pageFetch(page, "POST", "/v1/auth/signup", {
      email: `pia-${Date.now()}@projects.test`,
      password: "a long projects password",
      name: "Pia Projects",
    });
    expect(signedUp.user).toBeDefined();
    tenantId = (await pageFetch(page, "POST", "/v1/tenants", { name: "Projects Co" })).tenant.id;
    projectId = (await pageFetch(page, "POST", `/v1/tenants/${tenantId}/projects`, { name: "Research" })).project.id;
    await pageFetch(page, "POST", `/v1/tenants/${tenantId}/agents`, { name: "Default bot", template: "ops" });
    await pageFetch(page, "POST", `/v1/tenants/${tenantId}/agents`, { name: "Research bot", template: "engineering", projectId });
    await pageFetch(page, "POST", `/v1/tenants/${tenantId}/teams`, { name: "Research team", projectId });
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

  step("API keys follow the project: a key made there is bound to it, and other projects do not list it", async () => {
    const { page } = person;
    await pageFetch(page, "POST", `/v1/tenants/${tenantId}/api-keys`, { name: "Tenant-wide CI", scopes: ["agents:read"] });
    await page.goto(`/t/${tenantId}/api-keys?project=${projectId}`);
    await settled(page);
    await page.getByRole("button", { name: "New API key" }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Key name").fill("Research CI");
    await dialog.getByText("agents:read", { exact: true }).click();
    expect(await dialog.getByLabel("Only for project Research").isChecked()).toBe(true);
    await dialog.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("button", { name: "I have stored the key" }).click();
    const table = page.getByRole("table", { name: "API keys" });
    await expect
      .poll(() =>
        table
          .getByRole("row", { name: /Research CI/ })
          .getByRole("cell", { name: "Research", exact: true })
          .isVisible(),
      )
      .toBe(true);
    await expect
      .poll(() =>
        table
          .getByRole("row", { name: /Tenant-wide CI/ })
          .getByText("All projects")
          .isVisible(),
      )
      .toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "projects-03-api-keys-in-research.png") });
    // The default project lists the tenant-wide key, not Research's.
    const projects = (await page.evaluate(async (t) => (await fetch(`/v1/tenants/${t}/projects`)).json(), tenantId)) as {
      data: Array<{ id: string }>;
    };
    const defaultProject = projects.data.find((p) => p.id !== projectId)!.id;
    await page.goto(`/t/${tenantId}/api-keys?project=${defaultProject}`);
    await settled(page);
    await expect.poll(() => table.getByRole("row", { name: /Tenant-wide CI/ }).isVisible()).toBe(true);
    expect(await table.getByRole("row", { name: /Research CI/ }).count()).toBe(0);
  });
});
