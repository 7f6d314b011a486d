import type { Permission } from "../../shared/auth/permissions";
import type { Role } from "../../shared/auth/roles";
import type { ApiKeyRow, SessionRow, TenantRow, UserRow } from "../../shared/db/schema";
import type { Database } from "../../shared/db/client";

/** Who is making the request, after authentication. */
export type Principal =
  | { type: "user"; user: UserRow; session: SessionRow }
  | {
      type: "api_key";
      apiKey: ApiKeyRow;
      /** What the key may do now: its scopes, limited to its maker's current role (services/api-key-authority.ts). */
      permissions: ReadonlySet<Permission>;
      /** The role, today, of the person at the end of the key's chain of makers. */
      creatorRole: Role;
    };

/** The tenant a `{tenantId}` route acts on, and what the principal may do there. */
export interface TenantAccess {
  tenant: TenantRow;
  /** The person's role; null for an API key. */
  role: Role | null;
  permissions: ReadonlySet<Permission>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    db: Database;
    principal: Principal | null;
    tenantAccess: TenantAccess;
    ip: string | null;
    userAgent: string | null;
    /** Set first (middleware/request-context.ts): in the X-Request-Id header, error bodies, logs and audit details. */
    requestId: string;
  };
}
