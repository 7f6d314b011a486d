/**
 * Agent tokens: issue (for POST /v1/agent-tokens) and verify (for the relay and any route that
 * accepts agents). Verification never throws for a bad token: it returns a Result whose error
 * names what was wrong, and `agentTokenWireError` (errors.ts) maps that to the HTTP error.
 *
 * The verifier trusts nothing in the token's header beyond `kid`, `alg` and `typ`: the key comes
 * from our own table by kid, the algorithm is pinned to the one that key was made for, and
 * `jku`, `x5u`, `x5c` and an embedded `jwk` are never read (jose only uses the key we hand it).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import type { AgentTemplate } from "../agent-templates";
import { randomToken } from "../crypto/secrets";
import { createDb } from "../db/client";
import { agents, teamAgents, teams, tenants } from "../db/schema";
import type { TrustLevel } from "../trust-levels";
import { holdOf, safeModeHoldSql, type SafeModeHold } from "../governance/safe-mode";
import {
  AGENT_TOKEN_ALG,
  AGENT_TOKEN_ISSUER,
  AGENT_TOKEN_TTL_SECONDS,
  AGENT_TOKEN_TYPE,
  AgentTokenClaimsSchema,
  CLOCK_SKEW_SECONDS,
  RELAY_AUDIENCE,
  type AgentTokenClaims,
} from "./claims";
import { currentSigningKey, verificationKey } from "./signing-keys";

export interface AgentTokenSubject {
  agentId: string;
  tenantId: string;
  teamId?: string | null;
  role: AgentTemplate;
  trust: TrustLevel;
}

export interface IssuedAgentToken {
  token: string;
  kid: string;
  claims: AgentTokenClaims;
}

/**
 * Signs a token for `subject` with the current key. It does not check the subject against the
 * database: the caller has (POST /v1/agent-tokens checks the secret, status and team first).
 * `now` exists for tests that need tokens from another time.
 */
export async function issueAgentToken(
  env: Pick<Env, "DB" | "DATA_ENCRYPTION_KEY">,
  subject: AgentTokenSubject,
  options: { now?: number; audience?: string } = {},
): Promise<IssuedAgentToken> {
  const now = options.now ?? Date.now();
  const key = await currentSigningKey(env, now);
  const iat = Math.floor(now / 1000);
  const claims: AgentTokenClaims = {
    iss: AGENT_TOKEN_ISSUER,
    aud: options.audience ?? RELAY_AUDIENCE,
    sub: subject.agentId,
    tid: subject.tenantId,
    ...(subject.teamId ? { team: subject.teamId } : {}),
    role: subject.role,
    trust: subject.trust,
    jti: randomToken(16),
    iat,
    nbf: iat,
    exp: iat + AGENT_TOKEN_TTL_SECONDS,
  };
  const token = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: AGENT_TOKEN_TYPE }).sign(key.privateKey);
  return { token, kid: key.kid, claims };
}

export type AgentTokenError =
  | "malformed"
  | "bad_signature"
  | "unknown_kid"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_issuer"
  | "wrong_type"
  | "agent_inactive"
  | "wrong_tenant"
  | "not_in_team"
  | "safe_mode";

export type AgentTokenFailure =
  | { ok: false; error: Exclude<AgentTokenError, "agent_inactive" | "safe_mode"> }
  /** `agentState` tells a suspension (403, socket close 4003) from a deletion (401). */
  | { ok: false; error: "agent_inactive"; agentState: "suspended" | "deleted" }
  /** The tenant or one of the agent's teams is in safe mode (423 `safe_mode`, socket close 4023). */
  | { ok: false; error: "safe_mode"; hold: SafeModeHold };

export type AgentTokenResult = { ok: true; claims: AgentTokenClaims } | AgentTokenFailure;

export interface VerifyOptions {
  /** The audience the caller serves; the token's `aud` must equal it. */
  audience: string;
  /** Verification time in ms (tests); defaults to now. */
  now?: number;
}

/** Longer than any token we issue; anything bigger is refused before parsing. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Verifies an agent token completely: header, signature, claims, and — one D1 read — that the
 * agent still exists, is active, belongs to the token's tenant, and (for a team token) is still
 * in that team. A suspended or deleted agent's tokens fail from the moment the row changes.
 */
export async function verifyAgentToken(env: Pick<Env, "DB">, token: string, options: VerifyOptions): Promise<AgentTokenResult> {
  const verified = await verifyAgentTokenSignature(env, token, options);
  return verified.ok ? checkAgent(env, verified.claims) : verified;
}

/**
 * Steps 1–8 of the verification (docs/agent-identity.md §4): everything but the agent's current
 * state, so no D1 read unless the signing key is not cached. For a caller that holds the agent's
 * state itself and checks it right after (the egress proxy's per-agent EgressGate, which is told
 * of suspensions and deletions at once) — every other caller uses `verifyAgentToken`.
 */
export async function verifyAgentTokenSignature(env: Pick<Env, "DB">, token: string, options: VerifyOptions): Promise<AgentTokenResult> {
  const now = options.now ?? Date.now();
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH || token.split(".").length !== 3) return fail("malformed");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail("malformed");
  }
  // Checked before any lookup: `none`, HMAC and RSA tokens never reach a key.
  if (header.alg !== AGENT_TOKEN_ALG) return fail("bad_signature");
  if (typeof header.typ !== "string" || normalizeTyp(header.typ) !== normalizeTyp(AGENT_TOKEN_TYPE)) return fail("wrong_type");
  if (typeof header.kid !== "string") return fail("unknown_kid");

  const key = await verificationKey(env, header.kid, now);
  if (!key || key.alg !== header.alg) return fail("unknown_kid");

  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      typ: AGENT_TOKEN_TYPE,
      issuer: AGENT_TOKEN_ISSUER,
      audience: options.audience,
      requiredClaims: ["sub", "exp", "nbf", "iat", "jti"],
      clockTolerance: CLOCK_SKEW_SECONDS,
      // Defence in depth: even a token signed with a stolen key cannot live longer than ours do.
      maxTokenAge: AGENT_TOKEN_TTL_SECONDS,
      currentDate: new Date(now),
    }));
  } catch (err) {
    return fail(joseFailure(err));
  }
  const parsed = AgentTokenClaimsSchema.safeParse(payload);
  if (!parsed.success) return fail("malformed");
  return { ok: true, claims: parsed.data };
}

async function checkAgent(env: Pick<Env, "DB">, claims: AgentTokenClaims): Promise<AgentTokenResult> {
  const team = claims.team;
  const row = await createDb(env.DB)
    .select({
      tenantId: agents.tenantId,
      status: agents.status,
      deletedAt: agents.deletedAt,
      tenantDeletedAt: tenants.deletedAt,
      inTeam: team
        ? sql<number>`exists (select 1 from ${teamAgents} inner join ${teams} on ${teams.id} = ${teamAgents.teamId} where ${and(eq(teamAgents.agentId, agents.id), eq(teamAgents.teamId, team), eq(teams.tenantId, agents.tenantId), isNull(teams.deletedAt))})`
        : sql<number>`1`,
      held: safeModeHoldSql(agents.id, agents.tenantId),
    })
    .from(agents)
    .innerJoin(tenants, eq(tenants.id, agents.tenantId))
    .where(eq(agents.id, claims.sub))
    .get();
  if (!row) return { ok: false, error: "agent_inactive", agentState: "deleted" };
  // Before the status: a token naming a tenant that is not its agent's was forged or mixed up.
  if (row.tenantId !== claims.tid) return fail("wrong_tenant");
  if (row.deletedAt !== null || row.tenantDeletedAt !== null) return { ok: false, error: "agent_inactive", agentState: "deleted" };
  if (row.status !== "active") return { ok: false, error: "agent_inactive", agentState: "suspended" };
  if (!row.inTeam) return fail("not_in_team");
  const hold = holdOf(row.held, row.tenantId);
  if (hold) return { ok: false, error: "safe_mode", hold };
  return { ok: true, claims };
}

function joseFailure(err: unknown): Exclude<AgentTokenError, "agent_inactive" | "safe_mode"> {
  if (err instanceof errors.JWSSignatureVerificationFailed) return "bad_signature";
  if (err instanceof errors.JOSEAlgNotAllowed) return "bad_signature";
  if (err instanceof errors.JWTExpired) return "expired";
  if (err instanceof errors.JWTClaimValidationFailed && err.reason === "check_failed") {
    if (err.claim === "nbf" || err.claim === "iat") return "not_yet_valid";
    if (err.claim === "aud") return "wrong_audience";
    if (err.claim === "iss") return "wrong_issuer";
    if (err.claim === "typ") return "wrong_type";
  }
  return "malformed";
}

function fail(error: Exclude<AgentTokenError, "agent_inactive" | "safe_mode">): AgentTokenFailure {
  return { ok: false, error };
}

/** RFC 7515 §4.1.9: `typ` may omit the `application/` prefix and is compared case-insensitively. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.includes("/") ? lower : `application/${lower}`;
}

/**
 * True for a bearer credential shaped like a JWT (three base64url segments). The API's
 * authentication middleware uses it to leave agent tokens to the routes that accept them instead
 * of refusing them as bad API keys (which never contain a dot).
 */
export function isJwtShaped(credential: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(credential);
}
