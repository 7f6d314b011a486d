/**
 * An agent's A2A Agent Card (A2A v1.0, docs/a2a.md "The card"): built from the agent's row and its
 * installed skills, versioned by a capability hash (agent_card_versions), signed with the tenant's
 * current card key (JWS over the RFC 8785 canonical card, the SDK's `generateAgentCardSignature`).
 * Pure builders first; the one effectful function (`signedAgentCard`) reads D1 and signs.
 */
import { generateAgentCardSignature } from "@a2a-js/sdk";
import { and, eq, isNull } from "drizzle-orm";
import { sha256Hex } from "../../../../shared/crypto/sha256";
import { createDb } from "../../../../shared/db/client";
import { agentSkills, agents, skills } from "../../../../shared/db/schema";
import { CARD_KEY_ALG, currentCardKey } from "./card-keys";

/** The agent data a card advertises; its hash decides the card's version. */
export interface CardSubject {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  template: string;
  toolCategories: string[];
  skills: Array<{ name: string; title: string; description: string; version: string }>;
}

/** The A2A JSON form of a card (what `AgentCard.fromJSON` reads); `signatures` added by signing. */
export type AgentCardJson = Record<string, unknown> & { name: string; version: string };
export type SignedAgentCardJson = AgentCardJson & { signatures: Array<{ protected: string; signature: string }> };

export const A2A_PROTOCOL_VERSION = "1.0";
/** The security scheme name in the card: a Switchboard agent token as a bearer JWT. */
export const AGENT_TOKEN_SCHEME = "switchboardAgentToken";
/** Major.minor of every card version; the patch is the revision (bumped when capabilities change). */
const VERSION_PREFIX = "1.0.";

export const a2aPaths = {
  endpoint: (agentId: string) => `/v1/a2a/agents/${agentId}`,
  card: (agentId: string) => `/v1/a2a/agents/${agentId}/.well-known/agent-card.json`,
  jwks: (tenantId: string) => `/v1/a2a/tenants/${tenantId}/jwks.json`,
};

/** What the card's version depends on, as a stable string (skills sorted by name). */
export function capabilityFingerprint(subject: CardSubject): string {
  return JSON.stringify({
    name: subject.name,
    description: subject.description,
    template: subject.template,
    toolCategories: [...subject.toolCategories].sort(),
    skills: [...subject.skills].sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => [s.name, s.version, s.title, s.description]),
  });
}

export function cardVersion(revision: number): string {
  return `${VERSION_PREFIX}${revision}`;
}

/** The unsigned card. Pure: same subject, version and origin → same card. */
export function buildAgentCard(subject: CardSubject, version: string, origin: string): AgentCardJson {
  return {
    name: subject.name,
    description: subject.description || `Switchboard agent ${subject.name} (${subject.template}).`,
    version,
    supportedInterfaces: [
      { url: `${origin}${a2aPaths.endpoint(subject.id)}`, protocolBinding: "JSONRPC", protocolVersion: A2A_PROTOCOL_VERSION },
    ],
    provider: { organization: "Switchboard", url: origin },
    documentationUrl: `${origin}/docs`,
    capabilities: { streaming: false, pushNotifications: false },
    securitySchemes: {
      [AGENT_TOKEN_SCHEME]: {
        httpAuthSecurityScheme: {
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A Switchboard agent token of the same tenant, issued with `teamId` (POST /v1/agent-tokens).",
        },
      },
    },
    securityRequirements: [{ schemes: { [AGENT_TOKEN_SCHEME]: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [...subject.skills]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((s) => ({
        id: s.name,
        name: s.title || s.name,
        description: s.description || s.title || s.name,
        tags: [`version:${s.version}`, `template:${subject.template}`],
      })),
  };
}

/** The agent and its installed skills, if the agent is live and in `tenantId`; null otherwise (→ 404). */
export async function loadCardSubject(env: Pick<Env, "DB">, tenantId: string, agentId: string): Promise<CardSubject | null> {
  const db = createDb(env.DB);
  const agent = await db
    .select({
      id: agents.id,
      tenantId: agents.tenantId,
      name: agents.name,
      description: agents.description,
      template: agents.template,
      toolCategories: agents.toolCategories,
    })
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.tenantId, tenantId), isNull(agents.deletedAt)))
    .get();
  if (!agent) return null;
  const installed = await db
    .select({ name: skills.name, title: skills.title, description: skills.description, version: agentSkills.version })
    .from(agentSkills)
    .innerJoin(skills, eq(skills.id, agentSkills.skillId))
    .where(and(eq(agentSkills.agentId, agentId), eq(agentSkills.tenantId, tenantId)))
    .all();
  return { ...agent, toolCategories: agent.toolCategories as string[], skills: installed };
}

/**
 * The card's revision for the subject's current capabilities: the stored one if the hash matches,
 * else bumped by one. The bump is one conditional statement (`WHERE capability_hash != ?`), so two
 * requests seeing the same change bump once.
 */
export async function cardRevision(env: Pick<Env, "DB">, subject: CardSubject, now: number = Date.now()): Promise<number> {
  const hash = await sha256Hex(capabilityFingerprint(subject));
  const row = await env.DB.prepare(
    `INSERT INTO agent_card_versions (agent_id, tenant_id, capability_hash, revision, updated_at) VALUES (?1, ?2, ?3, 1, ?4)
     ON CONFLICT (agent_id) DO UPDATE SET capability_hash = excluded.capability_hash, revision = revision + 1, updated_at = excluded.updated_at
       WHERE capability_hash != excluded.capability_hash
     RETURNING revision`,
  )
    .bind(subject.id, subject.tenantId, hash, now)
    .first<{ revision: number }>();
  if (row) return row.revision;
  const stored = await env.DB.prepare("SELECT revision FROM agent_card_versions WHERE agent_id = ?1")
    .bind(subject.id)
    .first<{ revision: number }>();
  if (!stored) throw new Error("agent card version row vanished");
  return stored.revision;
}

/** The signed card of a subject: version from its capabilities, one signature by the tenant's current card key. */
export async function signedAgentCard(
  env: Pick<Env, "DB" | "DATA_ENCRYPTION_KEY">,
  subject: CardSubject,
  origin: string,
): Promise<SignedAgentCardJson> {
  const card = buildAgentCard(subject, cardVersion(await cardRevision(env, subject)), origin);
  const key = await currentCardKey(env, subject.tenantId);
  const sign = generateAgentCardSignature(key.privateKey, {
    alg: CARD_KEY_ALG,
    kid: key.kid,
    typ: "JOSE",
    jku: `${origin}${a2aPaths.jwks(subject.tenantId)}`,
  });
  return (await sign(card as never)) as unknown as SignedAgentCardJson;
}
