/**
 * Agent secrets: `sba_` + 32 random bytes. Only the hash is stored; the secret is returned once,
 * at creation or rotation. The prefix (the first 12 characters) is kept in clear so people can
 * tell secrets apart in the dashboard and audit trail without it identifying the secret.
 */
import { hashSecret, randomToken } from "../../../shared/crypto/secrets";

export const AGENT_SECRET_PREFIX = "sba_";
const SHOWN_PREFIX_LENGTH = 12;

export interface NewAgentSecret {
  secret: string;
  secretHash: string;
  secretPrefix: string;
}

export async function newAgentSecret(): Promise<NewAgentSecret> {
  const secret = `${AGENT_SECRET_PREFIX}${randomToken()}`;
  return { secret, secretHash: await hashSecret(secret), secretPrefix: secret.slice(0, SHOWN_PREFIX_LENGTH) };
}
