/**
 * Host patterns in egress rules, secrets and skill manifests: an exact host (`api.github.com`,
 * or a global-unicast IP address) or a wildcard over a zone (`*.example.com`, which matches
 * `a.example.com` and `a.b.example.com` at a label boundary, never `example.com` itself nor
 * `badexample.com`). Patterns are stored in canonical form (lowercase, punycode, compressed IPv6),
 * the same form `checkTarget` gives a request's host, so matching is plain string comparison.
 */
import { checkTarget } from "./target";

export type HostPattern = { kind: "exact"; host: string } | { kind: "wildcard"; suffix: string };

export type ParsedPattern = { ok: true; pattern: HostPattern; canonical: string } | { ok: false; message: string };

export function parseHostPattern(input: string): ParsedPattern {
  const raw = input.trim();
  const wildcard = raw.startsWith("*.");
  const body = wildcard ? raw.slice(2) : raw;
  if (body === "" || /[*/?#@:\s\\]/.test(body.replace(/^\[.*\]$/, ""))) {
    return {
      ok: false,
      message:
        "A host pattern is a host name (`api.example.com`), a zone wildcard (`*.example.com`) or a public IP address; no scheme, port, path or other `*`.",
    };
  }
  // The same normalisation and the same guard as a request: a pattern that no request could pass is refused up front.
  const checked = checkTarget(`https://${body}/`);
  if (!checked.ok) return { ok: false, message: `\`${raw}\` can never be reached through the proxy: ${checked.detail}.` };
  if (wildcard) {
    if (checked.ipLiteral) return { ok: false, message: "Wildcards apply to host names, not IP addresses." };
    if (checked.host.split(".").length < 2)
      return { ok: false, message: "A wildcard needs at least two labels after `*.` (e.g. `*.example.com`, not `*.com`)." };
    return { ok: true, pattern: { kind: "wildcard", suffix: checked.host }, canonical: `*.${checked.host}` };
  }
  return { ok: true, pattern: { kind: "exact", host: checked.host }, canonical: checked.host };
}

export function hostMatches(pattern: HostPattern, host: string): boolean {
  return pattern.kind === "exact" ? pattern.host === host : host.endsWith(`.${pattern.suffix}`);
}

/** `host` and every parent zone that a wildcard could name: a.b.example.com → b.example.com, example.com, com. */
export function parentZones(host: string): string[] {
  const zones: string[] = [];
  let i = host.indexOf(".");
  while (i !== -1) {
    zones.push(host.slice(i + 1));
    i = host.indexOf(".", i + 1);
  }
  return zones;
}

/**
 * Path-prefix match at a segment boundary: `/repos` matches `/repos` and `/repos/x`, not
 * `/repository`; a prefix ending in `/` matches what starts with it. Paths with an encoded slash
 * or backslash never match a prefix: servers disagree on decoding them, so `/repos%2F..%2Fadmin`
 * could mean `/admin` upstream.
 */
export function pathMatches(prefix: string | null, pathname: string): boolean {
  if (prefix === null || prefix === "" || prefix === "/") return true;
  if (/%2f|%5c/i.test(pathname)) return false;
  if (prefix.endsWith("/")) return pathname.startsWith(prefix);
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}
