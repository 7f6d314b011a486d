/** The egress Worker's bindings (workers/egress/wrangler.toml): a subset of the API's, plus its own vars. */
export interface EgressEnv {
  DB: D1Database;
  EGRESS_GATE: Env["EGRESS_GATE"];
  ENVIRONMENT?: string;
  /** Comma-separated hosts (exact or `*.zone`) the proxy never calls, besides its own. */
  EGRESS_PLATFORM_HOSTS?: string;
  /** Development only: `host=origin` pairs (comma-separated) that route an allowed call for `host` to a local origin. */
  EGRESS_DEV_UPSTREAMS?: string;
}

/** Who is calling out: from a verified agent token, or from the skill runtime's props (issue 19). */
export interface EgressIdentity {
  agentId: string;
  tenantId: string;
  skill: string | null;
  /** Set by the skill runtime only (props): the installed version must match. */
  skillVersion?: string | null;
  run: string | null;
  via: "envelope" | "forward" | "outbound";
}

/** Props of the `EgressOutbound` entrypoint, set by the code that loads a skill (never by the skill). */
export interface EgressProps {
  tenant: string;
  agent: string;
  skill: string;
  version: string;
  run: string;
}
