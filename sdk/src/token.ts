/**
 * The agent's identity: its secret is exchanged (`POST /v1/agent-tokens`) for a 15-minute token,
 * and exchanged again shortly before that runs out. There are no refresh tokens: the secret is
 * the refresh credential (docs/agent-identity.md).
 */
import { AgentTokenResponseSchema } from "@switchboard/protocol/agent-token";
import { TokenExchangeError } from "./errors";

export interface AgentCredentials {
  /** The API's base URL, e.g. `http://localhost:8787`. */
  url: string;
  agentId: string;
  /** The agent secret (`sba_…`), shown once at creation or rotation. */
  secret: string;
  /** The team whose relay the token is for (relay tokens; an egress token has none). */
  teamId?: string;
  /** `relay` (default) or `egress`: a token for the egress proxy (sdk/src/egress.ts). */
  audience?: "relay" | "egress";
}

export interface AgentToken {
  token: string;
  /** Epoch ms at which the token expires. */
  expiresAt: number;
  kid: string;
}

/** One exchange. Throws `TokenExchangeError` (with the API's code and status) on any failure. */
export async function exchangeAgentToken(
  creds: AgentCredentials,
  fetchImpl: typeof fetch = globalThis.fetch,
  now: () => number = Date.now,
): Promise<AgentToken> {
  const url = `${creds.url.replace(/\/$/, "")}/v1/agent-tokens`;
  // Measured before the request, so the computed expiry errs early rather than late.
  const startedAt = now();
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        agentId: creds.agentId,
        secret: creds.secret,
        ...(creds.teamId !== undefined ? { teamId: creds.teamId } : {}),
        ...(creds.audience ? { audience: creds.audience } : {}),
      }),
    });
  } catch (cause) {
    throw new TokenExchangeError(`Cannot reach ${url}: ${String((cause as Error)?.message ?? cause)}`, "network_error", 0, null, { cause });
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    const retryAfter = Number(res.headers.get("retry-after"));
    throw new TokenExchangeError(
      `Token exchange refused: ${res.status} ${error?.code ?? ""} ${error?.message ?? text.slice(0, 200)}`.trim(),
      error?.code ?? `http_${res.status}`,
      res.status,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
    );
  }
  const parsed = AgentTokenResponseSchema.safeParse(body);
  if (!parsed.success) throw new TokenExchangeError("The token endpoint answered with an unexpected body.", "invalid_response", res.status);
  return { token: parsed.data.access_token, expiresAt: startedAt + parsed.data.expires_in * 1000, kid: parsed.data.kid };
}

/** A token closer than this to expiry is not used for a new connection (the relay allows 30 s of skew; this is the margin on our side). */
const MIN_VALIDITY_MS = 30_000;

/** Caches the current token; `get()` exchanges when there is none, it was invalidated, or it is about to expire. */
export class TokenSource {
  private current: AgentToken | null = null;
  private inflight: Promise<AgentToken> | null = null;
  /** How many exchanges succeeded (for diagnostics and tests). */
  exchanges = 0;

  constructor(
    private readonly creds: AgentCredentials,
    /** Exchange again this long before expiry, in ms. */
    private readonly leadMs: number,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** When the current token should be replaced (epoch ms), or null without one. */
  get refreshAt(): number | null {
    return this.current ? this.current.expiresAt - this.leadMs : null;
  }

  /** Past `refreshAt`: a new connection should exchange first rather than open with a token about to be renewed. */
  get dueForRenewal(): boolean {
    const at = this.refreshAt;
    return at === null || this.now() >= at;
  }

  /**
   * The current token while it is usable (valid for more than the relay's clock skew), else a fresh
   * one. Renewal ahead of expiry is the caller's timer (`refreshAt`), so a fresh token is never
   * thrown away again just because the lead is long.
   */
  async get(): Promise<AgentToken> {
    if (this.current && this.now() < this.current.expiresAt - MIN_VALIDITY_MS) return this.current;
    return this.refresh();
  }

  /** A fresh exchange (concurrent callers share one). */
  refresh(): Promise<AgentToken> {
    this.inflight ??= exchangeAgentToken(this.creds, this.fetchImpl, this.now)
      .then((token) => {
        this.current = token;
        this.exchanges++;
        return token;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Forget the token (the relay refused it): the next `get()` exchanges. */
  invalidate(): void {
    this.current = null;
  }
}
