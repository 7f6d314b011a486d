/**
 * The SSRF guard, table-driven: every spelling of a private or local place is refused with the
 * reason an auditor would expect, and ordinary public URLs pass. Cases re-authored from the
 * corpora listed in research/next-capabilities.md (A2): smokescreen's classifier and bypass
 * lists, private-ip's tests, PayloadsAllTheThings' encodings. The proxy-level cases (redirects,
 * header smuggling, credentials) are in workers/egress/src/proxy.test.ts.
 */
import { describe, expect, it } from "vitest";
import { checkTarget } from "./target";

const PLATFORM = { platformHosts: ["api.switchboard.example", "*.egress.switchboard.example"] };

const REFUSED: Array<[url: string, reason: string]> = [
  // IPv4 loopback in every spelling the WHATWG parser accepts
  ["http://127.0.0.1/", "private_address"],
  ["https://127.0.0.1/", "private_address"],
  ["http://2130706433/", "private_address"],
  ["http://0x7f000001/", "private_address"],
  ["http://0x7f.0x0.0x0.0x1/", "private_address"],
  ["http://0177.0.0.1/", "private_address"],
  ["http://0177.0000.0000.0001/", "private_address"],
  ["http://127.1/", "private_address"],
  ["http://127.0.1/", "private_address"],
  ["http://127.000.000.001/", "private_address"],
  ["http://127.255.255.254/", "private_address"],
  ["http://0/", "private_address"],
  ["http://0.0.0.0/", "private_address"],
  ["http://0x0/", "private_address"],
  ["http://0000.0000.0000.0000/", "private_address"],
  // private, link-local (cloud metadata), CGNAT, reserved, multicast, broadcast
  ["http://10.0.0.1/", "private_address"],
  ["http://10.255.255.255/", "private_address"],
  ["http://172.16.0.1/", "private_address"],
  ["http://172.31.255.255/", "private_address"],
  ["http://192.168.1.1/", "private_address"],
  ["http://169.254.169.254/latest/meta-data/", "private_address"],
  ["http://0xa9fea9fe/", "private_address"],
  ["http://2852039166/", "private_address"],
  ["http://100.64.0.1/", "private_address"],
  ["http://198.18.0.1/", "private_address"],
  ["http://192.0.2.1/", "private_address"],
  ["http://224.0.0.1/", "private_address"],
  ["http://255.255.255.255/", "private_address"],
  ["http://240.0.0.1/", "private_address"],
  // IPv6
  ["http://[::1]/", "private_address"],
  ["http://[0:0:0:0:0:0:0:1]/", "private_address"],
  ["http://[::]/", "private_address"],
  ["http://[fe80::1]/", "private_address"],
  ["http://[fc00::1]/", "private_address"],
  ["http://[fd00::1]/", "private_address"],
  ["http://[ff02::1]/", "private_address"],
  ["http://[2001:db8::1]/", "private_address"],
  ["http://[100::1]/", "private_address"],
  // IPv4-mapped: decoded, then classified as the IPv4 it reaches
  ["http://[::ffff:127.0.0.1]/", "private_address"],
  ["http://[::ffff:7f00:1]/", "private_address"],
  ["http://[::ffff:10.0.0.1]/", "private_address"],
  ["http://[::ffff:169.254.169.254]/", "private_address"],
  ["http://[0:0:0:0:0:ffff:192.168.0.1]/", "private_address"],
  // Translated: NAT64, 6to4, Teredo, SIIT — refused even when the embedded IPv4 is public
  ["http://[64:ff9b::a00:1]/", "private_address"],
  ["http://[64:ff9b::808:808]/", "private_address"],
  ["http://[2002:a00:1::]/", "private_address"],
  ["http://[2002:808:808::]/", "private_address"],
  ["http://[2001::1]/", "private_address"],
  ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "private_address"],
  // Public IP literals are not refused here (a rule may name one); see below.
  // Local and internal names
  ["http://localhost/", "blocked_hostname"],
  ["http://LOCALHOST/", "blocked_hostname"],
  ["http://localhost./", "blocked_hostname"],
  ["http://api.localhost/", "blocked_hostname"],
  ["http://printer.local/", "blocked_hostname"],
  ["http://db.internal/", "blocked_hostname"],
  ["http://metadata.google.internal/computeMetadata/v1/", "blocked_hostname"],
  ["http://host.localdomain/", "blocked_hostname"],
  ["http://router.home.arpa/", "blocked_hostname"],
  ["http://1.0.0.127.in-addr.arpa/", "blocked_hostname"],
  ["http://intranet/", "blocked_hostname"],
  ["http://example.invalid/", "blocked_hostname"],
  ["http://xyz.onion/", "blocked_hostname"],
  ["https://api.github.com./", "blocked_hostname"],
  ["http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "blocked_hostname"],
  ["http://localhost%2e/", "blocked_hostname"],
  ["http://local%68ost/", "blocked_hostname"],
  ["http://loc%C2%ADalhost/", "blocked_hostname"],
  // The platform's own hosts
  ["https://api.switchboard.example/v1/me", "platform_host"],
  ["https://API.Switchboard.Example/", "platform_host"],
  ["https://eu.egress.switchboard.example/proxy/https/x", "platform_host"],
  // Userinfo, ports, schemes
  ["https://user:pass@api.github.com/", "userinfo_not_allowed"],
  ["https://user@api.github.com/", "userinfo_not_allowed"],
  ["https://api.github.com@127.0.0.1/", "userinfo_not_allowed"],
  ["https://api.github.com:8443/", "port_not_allowed"],
  ["http://api.github.com:443/", "port_not_allowed"],
  ["https://api.github.com:80/", "port_not_allowed"],
  ["https://127.0.0.1:443/", "private_address"],
  ["ftp://example.com/", "scheme_not_allowed"],
  ["file:///etc/passwd", "scheme_not_allowed"],
  ["gopher://example.com:70/", "scheme_not_allowed"],
  ["data:text/plain,hi", "scheme_not_allowed"],
  ["javascript:alert(1)", "scheme_not_allowed"],
  ["ws://example.com/", "scheme_not_allowed"],
  // Not URLs
  ["", "invalid_url"],
  ["api.github.com/repos", "invalid_url"],
  ["http://[::1/", "invalid_url"],
  ["http://[fe80::1%25eth0]/", "invalid_url"],
  ["http://1.2.3.4.5/", "invalid_url"],
  ["http://999.1.1.1/", "invalid_url"],
];

const ALLOWED: Array<[url: string, host: string, ipLiteral: boolean]> = [
  ["https://api.github.com/repos/acme/app", "api.github.com", false],
  ["https://API.GitHub.com/", "api.github.com", false],
  ["https://api.github.com:443/", "api.github.com", false],
  ["http://example.com:80/", "example.com", false],
  ["https://bücher.example/", "xn--bcher-kva.example", false],
  ["https://8.8.8.8/", "8.8.8.8", true],
  ["https://[2606:4700::1111]/", "2606:4700::1111", true],
  ["https://[::ffff:8.8.8.8]/", "::ffff:808:808", true],
  ["https://hooks.slack.com/services/T0/B0/x", "hooks.slack.com", false],
  ["https://switchboard.example/", "switchboard.example", false],
  ["https://localhost.example.com/", "localhost.example.com", false],
];

describe("checkTarget refuses every spelling of a local or private place", () => {
  it("has the table the issue asks for (≥ 60 refusals)", () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(60);
  });
  it.each(REFUSED)("%s → %s", (url, reason) => {
    const result = checkTarget(url, PLATFORM);
    expect(result.ok, JSON.stringify(result)).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });
});

describe("checkTarget lets public URLs through in canonical form", () => {
  it.each(ALLOWED)("%s → host %s", (url, host, ipLiteral) => {
    const result = checkTarget(url, PLATFORM);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) {
      expect(result.host).toBe(host);
      expect(result.ipLiteral).toBe(ipLiteral);
    }
  });
});
