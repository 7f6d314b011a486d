/** Every kind of bad request answers with the error shape, the right status, and changes nothing. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ERROR_CATALOGUE } from "../../../../shared/errors/catalogue";
import { MAX_BODY_BYTES } from "../../middleware/request-body";
import { call, expectError, signup, uniqueEmail, PASSWORD } from "../../../../../test/workers/harness";

const signupBody = () => ({ email: uniqueEmail("bad"), password: PASSWORD, name: "Bad Input" });
const userCount = async () => (await env.DB.prepare("select count(*) as n from users").first<{ n: number }>())!.n;

describe("error shape", () => {
  it("unknown route → 404 not_found", async () => {
    const res = await call("/v1/nope");
    expectError(res, 404, "not_found");
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  });

  it("known path, wrong method → 405 with Allow", async () => {
    const res = await call("/v1/auth/signup", { method: "GET" });
    expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST");
    const tenant = await call("/v1/tenants/ten_x", { method: "PUT" });
    expectError(tenant, 405, "method_not_allowed");
    expect(tenant.headers.get("allow")).toBe("DELETE, GET, PATCH");
  });

  it("malformed JSON → 400 invalid_json, nothing written", async () => {
    const before = await userCount();
    expectError(await call("/v1/auth/signup", { rawBody: '{"email": "a@b.c", ', contentType: "application/json" }), 400, "invalid_json");
    expect(await userCount()).toBe(before);
  });

  it("wrong content type → 415 unsupported_media_type", async () => {
    const form = new URLSearchParams(signupBody()).toString();
    expectError(
      await call("/v1/auth/signup", { rawBody: form, contentType: "application/x-www-form-urlencoded" }),
      415,
      "unsupported_media_type",
    );
    expectError(
      await call("/v1/auth/signup", { rawBody: JSON.stringify(signupBody()), contentType: "text/plain" }),
      415,
      "unsupported_media_type",
    );
  });

  it("oversize body → 413 payload_too_large naming the limit", async () => {
    const res = await call("/v1/auth/signup", { body: { ...signupBody(), name: "x".repeat(MAX_BODY_BYTES) } });
    expectError(res, 413, "payload_too_large");
    expect(res.body.error.details.maxBytes).toBe(MAX_BODY_BYTES);
  });

  it("missing fields, wrong types and unknown fields → 400 validation_failed with paths", async () => {
    const missing = await call("/v1/auth/signup", { body: { email: uniqueEmail() } });
    expectError(missing, 400, "validation_failed");
    expect(missing.body.error.details.issues.map((i: any) => i.path).sort()).toEqual(["name", "password"]);

    const wrongType = await call("/v1/auth/signup", { body: { ...signupBody(), name: 42 } });
    expectError(wrongType, 400, "validation_failed");
    expect(wrongType.body.error.details.issues[0].path).toBe("name");

    const unknown = await call("/v1/auth/signup", { body: { ...signupBody(), isOperator: true } });
    expectError(unknown, 400, "validation_failed");
    expect(unknown.body.error.details.issues[0]).toMatchObject({ code: "unrecognized_keys", keys: ["isOperator"] });

    const badEmail = await call("/v1/auth/signup", { body: { ...signupBody(), email: "not-an-email" } });
    expectError(badEmail, 400, "validation_failed");
    expect(badEmail.body.error.message).toMatch(/email/i);

    const notObject = await call("/v1/auth/signup", { body: [1, 2, 3] });
    expectError(notObject, 400, "validation_failed");
  });

  it("a required body that is absent → 400", async () => {
    const res = await call("/v1/auth/signup", { method: "POST" });
    expect(res.status).toBe(400);
    expect(["validation_failed", "invalid_json"]).toContain(res.body.error.code);
  });

  it("uses only codes from the catalogue, with the catalogue's status", async () => {
    const samples = [await call("/v1/nope"), await call("/v1/me"), await call("/v1/auth/signup", { body: {} })];
    for (const res of samples) {
      const code = res.body.error.code as keyof typeof ERROR_CATALOGUE;
      expect(ERROR_CATALOGUE[code]).toBeDefined();
      expect(res.status).toBe(ERROR_CATALOGUE[code].status);
    }
  });
});

describe("CSRF defence for cookie-authenticated changes", () => {
  it("refuses a foreign Origin, allows our own origin and non-browser clients", async () => {
    const user = await signup("csrf");
    const foreign = await call("/v1/tenants", { body: { name: "evil" }, cookie: user.cookie, headers: { origin: "https://evil.example" } });
    expectError(foreign, 403, "csrf_rejected");
    const crossSite = await call("/v1/tenants", {
      body: { name: "evil" },
      cookie: user.cookie,
      headers: { "sec-fetch-site": "cross-site" },
    });
    expectError(crossSite, 403, "csrf_rejected");
    expect((await call("/v1/me", { cookie: user.cookie })).body.memberships).toEqual([]);

    const own = await call("/v1/tenants", {
      body: { name: "mine" },
      cookie: user.cookie,
      headers: { origin: "http://localhost:8787", "sec-fetch-site": "same-origin" },
    });
    expect(own.status).toBe(201);
    const cli = await call("/v1/tenants", { body: { name: "from curl" }, cookie: user.cookie });
    expect(cli.status).toBe(201);
  });

  it("lets safe methods through from any origin", async () => {
    const user = await signup("csrfget");
    const res = await call("/v1/me", { cookie: user.cookie, headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(200);
  });

  it("checks logout too: a cross-site page cannot sign you out", async () => {
    const user = await signup("csrflogout");
    expectError(
      await call("/v1/auth/logout", { method: "POST", cookie: user.cookie, headers: { origin: "https://evil.example" } }),
      403,
      "csrf_rejected",
    );
    expect((await call("/v1/me", { cookie: user.cookie })).status).toBe(200);
  });
});
