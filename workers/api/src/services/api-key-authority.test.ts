/** The pure decision behind API key authority: every rule without a database. */
import { describe, expect, it } from "vitest";
import { authorityOf, MAX_CHAIN, type ChainLink } from "./api-key-authority";

const NOW = 1_800_000_000_000;
const link = (id: string, createdBy: string, scopes: ChainLink["scopes"], extra: Partial<ChainLink> = {}): ChainLink => ({
  id,
  createdBy,
  scopes,
  revokedAt: null,
  expiresAt: null,
  creatorRole: null,
  ...extra,
});

describe("authorityOf", () => {
  it("a person's key: its scopes within the person's current role", () => {
    const result = authorityOf([link("k1", "usr_a", ["members:write", "agents:read"], { creatorRole: "viewer" })], NOW);
    expect(result).toEqual({ ok: true, permissions: new Set(["agents:read"]), creatorRole: "viewer" });
    const owner = authorityOf([link("k1", "usr_a", ["members:write", "agents:read"], { creatorRole: "owner" })], NOW);
    expect(owner.ok && [...owner.permissions]).toEqual(["members:write", "agents:read"]);
  });

  it("no role any more: refused", () => {
    expect(authorityOf([link("k1", "usr_gone", ["agents:read"])], NOW)).toEqual({ ok: false, reason: "creator_not_member" });
  });

  it("a chain intersects every key's scopes, ending at the person's role", () => {
    const chain = [
      link("k3", "apikey:k2", ["agents:read", "teams:read", "members:write"]),
      link("k2", "apikey:k1", ["agents:read", "members:write"]),
      link("k1", "usr_a", ["agents:read", "members:write", "teams:read"], { creatorRole: "member" }),
    ];
    const result = authorityOf(chain, NOW);
    expect(result.ok && [...result.permissions]).toEqual(["agents:read"]);
  });

  it("a revoked or expired maker-key, or a missing one, stops the chain", () => {
    const revoked = [
      link("k2", "apikey:k1", ["agents:read"]),
      link("k1", "usr_a", ["agents:read"], { creatorRole: "owner", revokedAt: NOW - 1 }),
    ];
    expect(authorityOf(revoked, NOW)).toEqual({ ok: false, reason: "creator_key_inactive" });
    const expired = [
      link("k2", "apikey:k1", ["agents:read"]),
      link("k1", "usr_a", ["agents:read"], { creatorRole: "owner", expiresAt: NOW }),
    ];
    expect(authorityOf(expired, NOW)).toEqual({ ok: false, reason: "creator_key_inactive" });
    expect(authorityOf([link("k2", "apikey:k1", ["agents:read"])], NOW)).toEqual({ ok: false, reason: "creator_key_inactive" });
    expect(authorityOf([], NOW)).toEqual({ ok: false, reason: "creator_key_inactive" });
  });

  it("a chain longer than MAX_CHAIN is refused", () => {
    const chain = Array.from({ length: MAX_CHAIN }, (_, i) => link(`k${i}`, `apikey:k${i + 1}`, ["agents:read"]));
    expect(authorityOf(chain, NOW)).toEqual({ ok: false, reason: "chain_too_long" });
  });
});
