/**
 * Which credential, if any, the proxy injects into an allowed call — decided after the policy,
 * per hop. A credential is bound to one exact host (plus optional path prefix and methods): a
 * redirect to any other host gets nothing. Skill-scoped secrets go only to calls the skill's own
 * network permissions allow, and only if the skill's manifest declares the secret's name in `env`
 * (the vault's side of manifest enforcement).
 */
import { decideEgress } from "../../workers/shared/egress/policy";
import { pathMatches } from "../../workers/shared/egress/host-pattern";
import { open, secretAad } from "../../workers/shared/vault/envelope";
import type { CredentialSpec, GateState } from "./state";

export interface Injection {
  secretId: string;
  version: number;
  /** Header name or query parameter name. */
  type: "header" | "query";
  name: string;
  /** What goes into the header / parameter (the format applied). */
  value: string;
  /** The secret itself, for redaction of the response. */
  secret: string;
}

export function matchCredential(
  state: GateState,
  call: { method: string; url: URL; host: string; skill: string | null; now: number },
): CredentialSpec | null {
  const method = call.method.toUpperCase();
  const candidates = state.credentials.filter((c) => {
    if (c.host !== call.host) return false;
    if (c.expiresAt !== null && c.expiresAt <= call.now) return false;
    if (c.methods && !c.methods.includes(method)) return false;
    if (!pathMatches(c.pathPrefix, call.url.pathname)) return false;
    if ("agents" in c.scope) return call.skill === null && c.scope.agents.includes(state.agentId);
    // Skill scope: some installed skill in scope (the calling skill, when there is one) declares it and allows this call.
    return c.scope.skills.some((name) => {
      if (call.skill !== null && name !== call.skill) return false;
      const skill = state.skills.get(name);
      if (!skill || !skill.manifest.env.some((e) => e.name === c.name)) return false;
      return decideEgress(skill.policy, { method, url: call.url, trustLevel: state.trustLevel }).decision === "allow";
    });
  });
  // The most specific binding wins, then the newest secret.
  candidates.sort((a, b) => (b.pathPrefix?.length ?? 0) - (a.pathPrefix?.length ?? 0) || b.createdAt - a.createdAt);
  return candidates[0] ?? null;
}

export async function openCredential(dek: CryptoKey, tenantId: string, spec: CredentialSpec): Promise<Injection> {
  const secret = new TextDecoder().decode(await open(dek, spec.ciphertext, secretAad(tenantId, spec.secretId, spec.version)));
  const value = spec.injection.type === "header" ? spec.injection.format.replaceAll("{value}", secret) : secret;
  return { secretId: spec.secretId, version: spec.version, type: spec.injection.type, name: spec.injection.name, value, secret };
}
