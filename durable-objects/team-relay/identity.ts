/**
 * Who is connecting, as the API Worker tells the relay after verifying it (agent token, or a
 * person's session with teams:read). Travels in the `x-relay-identity` header of the internal
 * request the Worker builds itself — never copied from the client's request.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { TrustLevel } from "../../workers/shared/trust-levels";

interface Common {
  teamId: string;
  tenantId: string;
  /** Echo `switchboard.v1` as the accepted subprotocol (the client offered it). */
  subprotocol: boolean;
}

export type ConnectIdentity =
  | (Common & { kind: "agent"; agentId: string; role: AgentTemplate; trust: TrustLevel; exp: number })
  | (Common & { kind: "observer"; userId: string });

export const IDENTITY_HEADER = "x-relay-identity";
