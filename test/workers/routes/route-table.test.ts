import { describe, expect, it } from "vitest";
import { createApp, DOCUMENT_ROUTES } from "../../../workers/api/src/app";
import { apiRoutes } from "../route-table";

describe("route table", () => {
  it("every route the app serves was declared with defineRoute and an access rule", () => {
    const declared = new Set(
      apiRoutes()
        .filter((r) => r.access !== undefined)
        .map((r) => `${r.method} ${r.path}`),
    );
    const documents = new Set(DOCUMENT_ROUTES.map((r) => `${r.method} ${r.path}`));
    const served = createApp()
      .routes.filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
    const undeclared = [...new Set(served)].filter((r) => !declared.has(r) && !documents.has(r));
    expect(undeclared).toEqual([]);
    expect(served.length).toBeGreaterThan(20);
  });

  it("every declared route names its access rule", () => {
    expect(apiRoutes().filter((r) => r.access === undefined)).toEqual([]);
  });
});
