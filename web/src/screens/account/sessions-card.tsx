import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { ActionsTh, Badge, Button, CardSection, ConfirmDialog, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { QueryState } from "@/components/query-state";
import { api } from "@/lib/api";
import { formatDateTime, formatRelative } from "@/lib/format";
import { identityPaths } from "@/lib/identity-api";
import { keys, sessionsQuery } from "@/lib/queries";
import { resetSessionCache } from "@/lib/session";

/** "Chrome on macOS" from a user agent string; the raw string stays in the title. */
export function describeDevice(ua: string | null): string {
  if (!ua) return "Unknown device";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
      ? "Firefox"
      : /Chrom(e|ium)\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : /curl|node|undici/i.test(ua)
            ? "Script"
            : "Browser";
  const os = /Windows/.test(ua)
    ? "Windows"
    : /Mac OS X|Macintosh/.test(ua)
      ? "macOS"
      : /Android/.test(ua)
        ? "Android"
        : /iPhone|iPad/.test(ua)
          ? "iOS"
          : /Linux/.test(ua)
            ? "Linux"
            : null;
  return os ? `${browser} on ${os}` : browser;
}

export function SessionsCard() {
  const sessions = useQuery(sessionsQuery);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (
    <CardSection
      title="Sessions"
      description="Where your account is signed in. Revoke any session you do not recognise."
      actions={
        <ConfirmDialog
          trigger={<Button variant="secondary">Sign out everywhere</Button>}
          title="Sign out everywhere?"
          description="Every session of your account ends, including this one. You will need to log in again."
          confirmLabel="Sign out everywhere"
          onConfirm={async () => {
            await api.post(identityPaths.logoutAll);
            await resetSessionCache();
            await navigate({ to: "/login" });
          }}
        />
      }
    >
      <QueryState query={sessions} loadingLabel="Loading sessions…" empty={{ title: "No active sessions" }}>
        {(list) => (
          <Table caption="Active sessions">
            <THead>
              <Tr>
                <Th>Device</Th>
                <Th>IP address</Th>
                <Th>Signed in</Th>
                <Th>Last active</Th>
                <ActionsTh />
              </Tr>
            </THead>
            <TBody>
              {list.map((s) => (
                <Tr key={s.id}>
                  <Td title={s.userAgent ?? undefined}>
                    {describeDevice(s.userAgent)} {s.current && <Badge tone="success">This session</Badge>}
                  </Td>
                  <Td className="font-mono text-xs">{s.ip ?? "—"}</Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatDateTime(s.createdAt)}</Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatRelative(s.lastSeenAt)}</Td>
                  <Td className="text-right">
                    {!s.current && (
                      <ConfirmDialog
                        trigger={
                          <Button
                            variant="ghost"
                            size="sm"
                            aria-label={`Revoke session ${describeDevice(s.userAgent)} from ${formatDateTime(s.createdAt)}`}
                          >
                            Revoke
                          </Button>
                        }
                        title="Revoke this session?"
                        description={`${describeDevice(s.userAgent)}, signed in ${formatDateTime(s.createdAt)}, is signed out at once.`}
                        confirmLabel="Revoke session"
                        onConfirm={async () => {
                          await api.delete(`/v1/me/sessions/${encodeURIComponent(s.id)}`);
                          await queryClient.invalidateQueries({ queryKey: keys.sessions });
                        }}
                      />
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </CardSection>
  );
}
