import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { LinkedOAuthAccountsSchema, OAuthProviderId } from "@shared/schemas/oauth";
import type { z } from "zod";
import { useState } from "react";
import { Alert, Button, CardSection, ConfirmDialog, ErrorState, LoadingState } from "@/components/ui";
import { describeError } from "@/lib/forms";
import { api, isApiError } from "@/lib/api";
import { formatDate } from "@/lib/format";
import { identityPaths } from "@/lib/identity-api";
import { oauthProvidersQuery } from "../auth/oauth-buttons";

type LinkedAccounts = z.infer<typeof LinkedOAuthAccountsSchema>;
const linkedQuery = {
  queryKey: ["me", "oauth"] as const,
  queryFn: () => api.get<LinkedAccounts>(identityPaths.linkedAccounts),
  retry: false,
};

/** GitHub / Google accounts that can sign in as this person. Hidden where OAuth is not set up. */
export function LinkedAccountsCard() {
  const linked = useQuery(linkedQuery);
  const providers = useQuery(oauthProvidersQuery);
  const queryClient = useQueryClient();
  if (linked.isError && isApiError(linked.error, "not_found")) return null;
  const available = providers.data ?? [];
  const name = (id: OAuthProviderId) => available.find((p) => p.id === id)?.name ?? id.charAt(0).toUpperCase() + id.slice(1);
  const notLinked = available.filter((p) => !linked.data?.data.some((l) => l.provider === p.id));
  if (linked.isSuccess && linked.data.data.length === 0 && available.length === 0) return null;

  return (
    <CardSection
      title="Linked sign-in providers"
      description="Sign in with these accounts instead of your password. Linking only works with a verified email that matches."
    >
      {linked.isPending ? (
        <LoadingState label="Loading linked accounts…" />
      ) : linked.isError ? (
        <ErrorState error={linked.error} onRetry={() => void linked.refetch()} />
      ) : (
        <div className="space-y-4">
          {linked.data.data.length > 0 && (
            <ul className="divide-y divide-zinc-200 rounded-md ring-1 ring-zinc-200">
              {linked.data.data.map((l) => {
                const lastWay = !linked.data.hasPassword && linked.data.data.length === 1;
                return (
                  <li key={l.provider} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3">
                    <div>
                      <p className="text-sm font-medium text-zinc-900">{name(l.provider)}</p>
                      <p className="text-xs text-zinc-600">
                        {l.email} · linked {formatDate(l.linkedAt)}
                      </p>
                    </div>
                    {lastWay ? (
                      <p className="text-xs text-zinc-600">Your only way to sign in: set a password (forgot password) before unlinking.</p>
                    ) : (
                      <ConfirmDialog
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Unlink ${name(l.provider)}`}>
                            Unlink
                          </Button>
                        }
                        title={`Unlink ${name(l.provider)}?`}
                        description={`You will no longer be able to sign in with ${name(l.provider)} (${l.email}).`}
                        confirmLabel="Unlink"
                        onConfirm={async () => {
                          await api.delete(identityPaths.unlink(l.provider));
                          await queryClient.invalidateQueries({ queryKey: linkedQuery.queryKey });
                        }}
                      />
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {notLinked.length > 0 && (
            <div className="flex flex-wrap gap-2">
              {notLinked.map((p) => (
                <LinkButton key={p.id} provider={p.id} name={p.name} />
              ))}
            </div>
          )}
        </div>
      )}
    </CardSection>
  );
}

/** Linking asks the API for the provider's URL (the session proves who links), then leaves for it. */
function LinkButton({ provider, name }: { provider: OAuthProviderId; name: string }) {
  // Leaving for the provider: the button stays busy until the page is gone.
  const [leaving, setLeaving] = useState(false);
  const link = useMutation({
    mutationFn: () => api.post<{ url: string }>(identityPaths.oauthLink(provider, "/account/security")),
    onSuccess: ({ url }) => {
      setLeaving(true);
      window.location.assign(url);
    },
  });
  return (
    <div className="space-y-2">
      <Button variant="secondary" size="sm" pending={link.isPending || leaving} onClick={() => link.mutate()}>
        Link {name}
      </Button>
      {link.isError && <Alert tone="danger">{describeError(link.error)}</Alert>}
    </div>
  );
}
