/**
 * Policies as code (Cedar) in a real Chromium against the local stack (docs/governance.md
 * "Policies as code (Cedar)"): the editor validates (and shows Cedar's messages for a broken set),
 * a dry-run over the tenant's recent audit events lists the call a forbid would deny, save with a
 * message, turn Cedar on (the agent's next call through the real egress proxy is refused), diff two
 * versions, roll back. Screenshots: policies-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject } from "vitest";
import { checkScreen, launchChromium, newPerson, type Person, settled, story } from "./harness";

const dashboard = inject("dashboardUrl");
const apiUrl = inject("apiUrl");
const egressUrl = inject("egressUrl");
const STUB = "stub.switchboard.test";

let browser: Browser;
let person: Person;
let setup: { tenantId: string; agentId: string; secret: string };
let token: string;
const step = story("policies ", () => ({ person }));

const stubCall = (path: string) => fetch(`${egressUrl}/proxy/https/${STUB}/${path}`, { headers: { authorization: `Bearer ${token}` } });

describe("policies", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    person = await newPerson(browser, dashboard);
  });
  afterAll(async () => {
    await browser?.close();
  });

  step("an agent's call goes out under native policy; the Policies screen starts from the starter set", async () => {
    const { page } = person;
    await page.goto("/login");
    setup = await page.evaluate(async () => {
      const json = (r: Response) => r.json() as Promise<any>;
      const post = (path: string, body: unknown, method = "POST") =>
        fetch(path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(json);
      await post("/v1/auth/signup", { email: `pia-${Date.now()}@policies.test`, password: "a long policies password", name: "Pia Policy" });
      const tenant = await post("/v1/tenants", { name: "Policies Co" });
      const base = `/v1/tenants/${tenant.tenant.id}`;
      const agent = await post(`${base}/agents`, { name: "Policy agent", template: "engineering" });
      await post(`${base}/agents/${agent.agent.id}/egress/rules`, { host: "stub.switchboard.test", methods: ["GET"] });
      await post(`${base}/agents/${agent.agent.id}/egress/mode`, { mode: "live" }, "PUT");
      return { tenantId: tenant.tenant.id as string, agentId: agent.agent.id as string, secret: agent.secret as string };
    });
    const exchange = await fetch(`${apiUrl}/v1/agent-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agentId: setup.agentId, secret: setup.secret, audience: "egress" }),
    });
    token = ((await exchange.json()) as { access_token: string }).access_token;
    expect((await stubCall("before-cedar")).status).toBe(200);

    await page.goto(`/t/${setup.tenantId}/policies`);
    await page.getByText("Native policy only").waitFor();
    const editor = page.getByLabel("Cedar policies");
    expect(await editor.inputValue()).toContain("permit (principal, action, resource);");
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByText("Valid: 1 policy.").waitFor();
    await checkScreen(page, "policies-starter", { heading: "Policies" });
  });

  step("a broken set shows Cedar's messages", async () => {
    const { page } = person;
    await page.getByLabel("Cedar policies").fill("forbid (principal, action, resource is Switchboard::Bucket);");
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByText("The policy set is not valid").waitFor();
    await page
      .getByRole("alert")
      .getByText(/Bucket/)
      .first()
      .waitFor();
    await settled(page);
    await page.screenshot({ path: "test-results/screenshots/policies-invalid.png", fullPage: true });
  });

  step("dry-run: a forbid on the stub's domain would deny the call the agent made", async () => {
    const { page } = person;
    await page.getByLabel("Cedar policies").fill(`permit (principal, action, resource);
forbid (principal, action == Switchboard::Action::"egress.call", resource == Switchboard::Domain::"${STUB}");`);
    const report = page.getByRole("region", { name: "Dry-run report" });
    // The agent's gate flushes its audit events about a second after the call: dry-run until it is there.
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: /Dry-run/ }).click();
          await report.waitFor();
          await settled(page);
          return report.getByRole("table", { name: "Decisions that would change" }).count();
        },
        { timeout: 30_000, interval: 1_500 },
      )
      .toBe(1);
    const row = report.getByRole("row", { name: /before-cedar/ });
    await row.getByText("allow → deny").waitFor();
    await checkScreen(page, "policies-dry-run", { heading: "Policies" });
  });

  step("save with a message, turn Cedar on: the agent's next call to that domain is refused", async () => {
    const { page } = person;
    await page.getByLabel("Change message").fill("No calls to the stub");
    await page.getByRole("button", { name: "Save version" }).click();
    await page.getByText("Saved as version 1.").waitFor();
    const history = page.getByRole("table", { name: "Policy versions" });
    await history.getByRole("row", { name: /No calls to the stub/ }).waitFor();
    await page.getByRole("button", { name: "Turn Cedar on" }).click();
    await page.getByRole("dialog", { name: "Enforce policy version 1?" }).getByRole("button", { name: "Turn on" }).click();
    await page.getByText("Cedar on · v1").waitFor();
    const refused = await stubCall("after-cedar");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe("cedar_denied");
    await checkScreen(page, "policies-enforced", { heading: "Policies" });
  });

  step("a second version, its diff, and a rollback to version 1", async () => {
    const { page } = person;
    await page.getByLabel("Cedar policies").fill("permit (principal, action, resource);\n");
    await page.getByLabel("Change message").fill("Allow everything again");
    await page.getByRole("button", { name: "Save version" }).click();
    await page.getByText("Saved as version 2. It is enforced now.").waitFor();
    expect((await stubCall("after-v2")).status).toBe(200);
    await page.getByRole("button", { name: "Diff version 2 with version 1" }).click();
    const dialog = page.getByRole("dialog", { name: "Version 1 → version 2" });
    await dialog.getByText("0 lines added, 1 removed.").waitFor();
    await checkScreen(page, "policies-diff", { dialog: "Version 1 → version 2" });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Roll back to version 1" }).click();
    await page.getByRole("dialog", { name: "Roll back to version 1?" }).getByRole("button", { name: "Roll back" }).click();
    await page
      .getByRole("table", { name: "Policy versions" })
      .getByRole("row", { name: /Rollback to version 1/ })
      .waitFor();
    expect((await stubCall("after-rollback")).status).toBe(403);
    // The browser test files share one stack and the demo owner: leave no extra tenant behind.
    const deleted = await page.evaluate(async (id) => (await fetch(`/v1/tenants/${id}`, { method: "DELETE" })).status, setup.tenantId);
    expect(deleted).toBe(204);
  });
});
