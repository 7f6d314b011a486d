/**
 * Locks over the agent API: holding, fencing tokens that only go up (also across eviction of the
 * coordinator), TTL expiry and take-over, renew, waiting with a timeout, trust limits and
 * force-release by an admin only.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TeamCoordinator } from "../../../../../durable-objects/team-coordinator";
import { as, coordFixture, coordPath, sleep, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { call, expectError } from "../../../../../test/workers/harness";

let f: CoordFixture;
const coordinator = () => env.TEAM_COORDINATOR.get(env.TEAM_COORDINATOR.idFromName(f.teamId));

beforeAll(async () => {
  f = await coordFixture([{ template: "pm" }, { template: "engineering" }, { template: "ops", trustLevel: 0 }]);
});

describe("locks", () => {
  it("one holder at a time; release frees it; every acquisition gets a larger fencing token", async () => {
    const [pm, eng] = [as(f, f.agents[0]!), as(f, f.agents[1]!)];
    const a = await pm.post("/v1/agent/locks/acquire", { name: "repo:main", ttlMs: 10_000 });
    expect(a.status).toBe(200);
    expect(a.body.lock).toMatchObject({ name: "repo:main", holder: { type: "agent", id: f.agents[0]!.id } });
    const held = await eng.post("/v1/agent/locks/acquire", { name: "repo:main" });
    expectError(held, 409, "lock_held");
    expect(held.body.error.details).toMatchObject({ holder: { id: f.agents[0]!.id }, fencingToken: a.body.lock.fencingToken });
    // A stale token cannot release it.
    expectError(
      await eng.post("/v1/agent/locks/release", { name: "repo:main", fencingToken: a.body.lock.fencingToken }),
      409,
      "lease_lost",
    );
    expect((await pm.post("/v1/agent/locks/release", { name: "repo:main", fencingToken: a.body.lock.fencingToken })).body).toEqual({
      released: true,
    });
    const b = await eng.post("/v1/agent/locks/acquire", { name: "repo:main" });
    expect(b.status).toBe(200);
    expect(b.body.lock.fencingToken).toBeGreaterThan(a.body.lock.fencingToken);
    await eng.post("/v1/agent/locks/release", { name: "repo:main", fencingToken: b.body.lock.fencingToken });
  });

  it("an expired lock is free: the next acquirer takes it over with a larger token, the old holder's token is dead", async () => {
    const [pm, eng] = [as(f, f.agents[0]!), as(f, f.agents[1]!)];
    const a = await pm.post("/v1/agent/locks/acquire", { name: "ttl", ttlMs: 1_000 });
    await sleep(1_100);
    const b = await eng.post("/v1/agent/locks/acquire", { name: "ttl", ttlMs: 5_000 });
    expect(b.status).toBe(200);
    expect(b.body.lock.fencingToken).toBeGreaterThan(a.body.lock.fencingToken);
    expectError(
      await pm.post("/v1/agent/locks/renew", { name: "ttl", fencingToken: a.body.lock.fencingToken, ttlMs: 5_000 }),
      409,
      "lease_lost",
    );
    const renewed = await eng.post("/v1/agent/locks/renew", { name: "ttl", fencingToken: b.body.lock.fencingToken, ttlMs: 60_000 });
    expect(renewed.status).toBe(200);
    expect(Date.parse(renewed.body.lock.expiresAt)).toBeGreaterThan(Date.parse(b.body.lock.expiresAt));
    expect(renewed.body.lock.fencingToken).toBe(b.body.lock.fencingToken);
  });

  it("waits for a held lock up to waitMs: gets it when released, lock_held when the wait runs out", async () => {
    const [pm, eng] = [as(f, f.agents[0]!), as(f, f.agents[1]!)];
    const a = await pm.post("/v1/agent/locks/acquire", { name: "wait", ttlMs: 30_000 });
    const started = Date.now();
    const timedOut = await eng.post("/v1/agent/locks/acquire", { name: "wait", waitMs: 300 });
    expectError(timedOut, 409, "lock_held");
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const waiting = eng.post("/v1/agent/locks/acquire", { name: "wait", waitMs: 5_000 });
    await sleep(200);
    await pm.post("/v1/agent/locks/release", { name: "wait", fencingToken: a.body.lock.fencingToken });
    const got = await waiting;
    expect(got.status).toBe(200);
    expect(got.body.lock.holder.id).toBe(f.agents[1]!.id);
  });

  it("fencing tokens keep increasing after the coordinator is evicted (the counter is in SQLite)", async () => {
    const pm = as(f, f.agents[0]!);
    const before = await pm.post("/v1/agent/locks/acquire", { name: "evict-a", ttlMs: 60_000 });
    await evictDurableObject(coordinator());
    const after = await pm.post("/v1/agent/locks/acquire", { name: "evict-b", ttlMs: 60_000 });
    expect(after.body.lock.fencingToken).toBe(before.body.lock.fencingToken + 1);
    // The held lock survived too.
    const list = await pm.get("/v1/agent/locks");
    expect(list.body.locks.map((l: { name: string }) => l.name)).toEqual(expect.arrayContaining(["evict-a", "evict-b"]));
    expect(list.body.fencingCounter).toBe(after.body.lock.fencingToken);
    await runInDurableObject(coordinator(), async (instance: TeamCoordinator) => {
      expect((await instance.listLocks({ teamId: f.teamId, tenantId: f.tenantId })).fencingCounter).toBe(after.body.lock.fencingToken);
    });
  });

  it("a trust level 0 agent may hold 2 locks at once", async () => {
    const ops = as(f, f.agents[2]!);
    expect((await ops.post("/v1/agent/locks/acquire", { name: "t0-1" })).status).toBe(200);
    expect((await ops.post("/v1/agent/locks/acquire", { name: "t0-2" })).status).toBe(200);
    const third = await ops.post("/v1/agent/locks/acquire", { name: "t0-3" });
    expectError(third, 403, "not_allowed");
    expect(third.body.error.details).toMatchObject({ trustLevel: 0, maxHeldLocks: 2 });
  });

  it("bad input is a validation error in the project's shape", async () => {
    const pm = as(f, f.agents[0]!);
    expectError(await pm.post("/v1/agent/locks/acquire", { name: "x", ttlMs: 10 }), 400, "validation_failed");
    expectError(await pm.post("/v1/agent/locks/acquire", { name: "has space" }), 400, "validation_failed");
    expectError(await pm.post("/v1/agent/locks/acquire", { name: "x", extra: 1 }), 400, "validation_failed");
  });

  it("needs a valid team agent token", async () => {
    expectError(await call("/v1/agent/locks"), 401, "unauthenticated");
    expectError(await call("/v1/agent/locks", { headers: { authorization: "Bearer a.b.c" } }), 401, "unauthenticated");
    expectError(await call("/v1/agent/locks", { cookie: f.owner.cookie }), 401, "unauthenticated");
  });

  it("force-release: admins only (a member is refused), and it frees the lock", async () => {
    const pm = as(f, f.agents[0]!);
    const held = await pm.post("/v1/agent/locks/acquire", { name: "stuck", ttlMs: 3_600_000 });
    expect(held.status).toBe(200);
    const member = (await import("../../../../../test/workers/harness")).addMember;
    const m = await member(f.tenantId, "member");
    expectError(await call(coordPath(f, "/locks/force-release"), { body: { name: "stuck" }, cookie: m.cookie }), 403, "forbidden");
    const res = await call(coordPath(f, "/locks/force-release"), { body: { name: "stuck" }, cookie: f.owner.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ released: true, previous: { name: "stuck", fencingToken: held.body.lock.fencingToken } });
    expectError(await pm.post("/v1/agent/locks/release", { name: "stuck", fencingToken: held.body.lock.fencingToken }), 409, "lease_lost");
    const list = await call(coordPath(f, "/locks"), { cookie: f.viewer.cookie });
    expect(list.body.locks.map((l: { name: string }) => l.name)).not.toContain("stuck");
  });
});
