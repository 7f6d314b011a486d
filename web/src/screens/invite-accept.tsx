import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { MailCheck } from "lucide-react";
import type { Role } from "@shared/auth/roles";
import type { InvitePreviewSchema } from "@shared/schemas/members";
import type { z } from "zod";
import { Alert, Button, buttonClass, Card, PageHeader } from "@/components/ui";
import { api, isApiError } from "@/lib/api";
import { describeError } from "@/lib/forms";
import { keys } from "@/lib/queries";
import { logout, useMe } from "@/lib/session";

/** /invites/accept?token=…: the invitee, signed in as the invited email, joins the tenant. */
export function InviteAcceptScreen() {
  const { token } = useSearch({ from: "/app/invites/accept" });
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const accept = useMutation({
    mutationFn: () => api.post<{ tenantId: string; role: Role }>("/v1/invites/accept", { token }),
    onSuccess: async ({ tenantId }) => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await navigate({ to: "/t/$tenantId/agents", params: { tenantId } });
    },
  });
  // POST keeps the token out of URLs the API logs; the preview only reads.
  const preview = useQuery({
    queryKey: ["invite-preview", token],
    queryFn: () => api.post<z.infer<typeof InvitePreviewSchema>>("/v1/invites/preview", { token }),
    enabled: Boolean(token),
    retry: false,
  });
  const here = `/invites/accept?token=${encodeURIComponent(token ?? "")}`;

  return (
    <>
      <PageHeader title="Accept invite" />
      <Card className="max-w-xl space-y-4 p-6">
        {!token ? (
          <Alert tone="warning">This page needs the invite link you were sent. Ask the person who invited you for it.</Alert>
        ) : (
          <>
            <div className="flex items-start gap-3">
              <MailCheck className="mt-0.5 size-5 shrink-0 text-indigo-700" aria-hidden="true" />
              <div className="space-y-1 text-sm text-zinc-700">
                {preview.data ? (
                  <p>
                    {preview.data.invitedByName ?? "An administrator"} invited <strong>{preview.data.email}</strong> to join{" "}
                    <strong>{preview.data.tenantName}</strong> as <strong>{preview.data.role}</strong>. The invite expires{" "}
                    {new Date(preview.data.expiresAt).toLocaleDateString()}.
                  </p>
                ) : preview.isError ? (
                  <p>We could not look this invite up: {describeError(preview.error)}</p>
                ) : (
                  <p>Looking up the invite…</p>
                )}
                <p>
                  You are signed in as <strong>{me.user.email}</strong>; the invite must have been sent to this address.
                </p>
              </div>
            </div>
            {preview.data && preview.data.status !== "pending" && (
              <Alert tone="warning" title="This invite can no longer be used">
                It has{" "}
                {preview.data.status === "accepted"
                  ? "already been accepted"
                  : preview.data.status === "revoked"
                    ? "been revoked"
                    : "expired"}
                . Ask the person who invited you for a new one.
              </Alert>
            )}
            {accept.isError && (
              <Alert tone="danger" title={errorTitle(accept.error)}>
                {describeError(accept.error)}
                {isApiError(accept.error, "invite_email_mismatch") && (
                  <div className="mt-2">
                    <Button
                      variant="secondary"
                      size="sm"
                      onClick={async () => {
                        await logout();
                        await navigate({ to: "/login", search: { next: here, error: undefined } });
                      }}
                    >
                      Log in with another account
                    </Button>
                  </div>
                )}
              </Alert>
            )}
            <div className="flex gap-2">
              <Button
                onClick={() => accept.mutate()}
                pending={accept.isPending}
                disabled={preview.data !== undefined && preview.data.status !== "pending"}
              >
                Accept and join
              </Button>
              <Link to="/" className={buttonClass("secondary")}>
                Not now
              </Link>
            </div>
          </>
        )}
      </Card>
    </>
  );
}

function errorTitle(err: unknown): string {
  if (isApiError(err, "invite_expired")) return "This invite can no longer be used";
  if (isApiError(err, "invite_email_mismatch")) return "Signed in with a different email";
  if (isApiError(err, "already_member")) return "You are already a member";
  if (isApiError(err, "not_found")) return "Invite not found";
  return "Could not accept the invite";
}
