/**
 * The SSRF guard: is this URL a place the proxy may connect to at all, whatever the policy says?
 * Runs on the WHATWG-normalised URL (`new URL()`), which already turns every IPv4 spelling
 * (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f000001`, short `127.1`) into dotted
 * decimal, IPv6 into its compressed form, IDN into punycode and strips default ports — so the
 * checks below look at one canonical form, never at the agent's spelling.
 *
 * A Worker cannot see the address its `fetch()` connects to, so there is no DNS pinning here: a
 * public name that resolves to a private address is stopped by the platform in production, not by
 * us (local workerd lets it through — STACK.md). What we can stop is every host that *names* a
 * private place: IP literals that are not global unicast (ipaddr.js `range() === "unicast"` only,
 * IPv4-mapped IPv6 decoded first, NAT64/6to4/Teredo refused outright), local and internal names,
 * and our own hosts. Pure: no I/O, tested table-driven (target.test.ts).
 */
import ipaddr from "ipaddr.js";
import type { DenyReason } from "./reasons";

export interface TargetOptions {
  /**
   * Hosts the proxy must never call: the proxy's own host, the API's, the dashboard's. Exact
   * names, or `*.example.com` for a whole zone. Compared after normalisation.
   */
  platformHosts?: readonly string[];
}

export type TargetCheck =
  | {
      ok: true;
      url: URL;
      /** The canonical host (lowercase, punycode; an IPv6 address without brackets). */
      host: string;
      /** Set when the host is an IP address (global unicast: anything else was refused). */
      ipLiteral: boolean;
    }
  | { ok: false; reason: DenyReason; detail: string };

/**
 * Names that only mean something inside a network: RFC 6761/6762/8375 special-use names and the
 * private TLDs people use in practice. A trailing dot or a single label (`intranet`) is refused too.
 */
const BLOCKED_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "localdomain",
  "lan",
  "home",
  "corp",
  "intranet",
  "private",
  "home.arpa",
  "arpa",
  "invalid",
  "onion",
];

/** Address ranges that translate to IPv4 and could reach anything: refused even where the embedded address is public. */
const TRANSLATED_V6 = new Set(["rfc6052", "6to4", "teredo", "rfc6145"]);

export function checkTarget(input: string | URL, options: TargetOptions = {}): TargetCheck {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    return deny("invalid_url", "not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return deny("scheme_not_allowed", `scheme ${url.protocol.replace(/:$/, "")}`);
  if (url.username !== "" || url.password !== "") return deny("userinfo_not_allowed", "credentials in the URL");
  // The parser drops the scheme's default port, so any port left is a non-default one.
  if (url.port !== "") return deny("port_not_allowed", `port ${url.port}`);

  const hostname = url.hostname;
  if (hostname === "") return deny("invalid_url", "no host");

  const ip = parseIpLiteral(hostname);
  if (ip === "invalid") return deny("invalid_url", "malformed address");
  if (ip) {
    const range = ipRange(ip);
    if (range !== "unicast") return deny("private_address", `${ip.kind() === "ipv6" ? "IPv6" : "IPv4"} ${range} address`);
    return { ok: true, url, host: ip.kind() === "ipv6" ? (ip as ipaddr.IPv6).toRFC5952String() : ip.toString(), ipLiteral: true };
  }

  if (hostname.endsWith(".")) return deny("blocked_hostname", "host name ends with a dot");
  if (!hostname.includes(".")) return deny("blocked_hostname", `single-label host ${hostname}`);
  const blocked = BLOCKED_SUFFIXES.find((suffix) => hostname === suffix || hostname.endsWith(`.${suffix}`));
  if (blocked) return deny("blocked_hostname", `.${blocked} names are internal`);
  if (isPlatformHost(hostname, options.platformHosts ?? [])) return deny("platform_host", hostname);
  return { ok: true, url, host: hostname, ipLiteral: false };
}

/** The address a URL hostname names, null for a domain name, "invalid" for a bracketed host that is not IPv6. */
function parseIpLiteral(hostname: string): ipaddr.IPv4 | ipaddr.IPv6 | null | "invalid" {
  if (hostname.startsWith("[")) {
    const inner = hostname.slice(1, -1);
    return ipaddr.IPv6.isValid(inner) ? ipaddr.IPv6.parse(inner) : "invalid";
  }
  // After WHATWG parsing every IPv4 spelling is four-part decimal; anything else is a name.
  return ipaddr.IPv4.isValidFourPartDecimal(hostname) ? ipaddr.IPv4.parse(hostname) : null;
}

/** ipaddr.js's range, with IPv4-mapped IPv6 decoded to the IPv4 range it really reaches. */
export function ipRange(ip: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (ip.kind() === "ipv4") return (ip as ipaddr.IPv4).range();
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range();
  const range = v6.range();
  return TRANSLATED_V6.has(range) ? `translated (${range})` : range;
}

export function isPlatformHost(hostname: string, platformHosts: readonly string[]): boolean {
  return platformHosts.some((entry) => {
    const pattern = entry.trim().toLowerCase();
    if (pattern === "") return false;
    if (pattern.startsWith("*.")) return hostname.endsWith(pattern.slice(1));
    return hostname === pattern;
  });
}

function deny(reason: DenyReason, detail: string): TargetCheck {
  return { ok: false, reason, detail };
}
