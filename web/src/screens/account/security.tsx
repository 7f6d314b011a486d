import { useSearch } from "@tanstack/react-router";
import { Alert, PageHeader } from "@/components/ui";
import { oauthErrorMessage } from "../auth/oauth-errors";
import { useMe } from "@/lib/session";
import { LinkedAccountsCard } from "./linked-accounts-card";
import { MfaCard } from "./mfa-card";
import { SessionsCard } from "./sessions-card";

export function SecurityScreen() {
  const me = useMe();
  const { error } = useSearch({ from: "/app/account/security" });
  return (
    <>
      <PageHeader
        title="Account security"
        description={`Signed in as ${me.user.email}. Protect your account with two-step verification and review where you are signed in.`}
      />
      <div className="space-y-6">
        {error && (
          <Alert tone="danger" title="Linking did not complete">
            {oauthErrorMessage(error)}
          </Alert>
        )}
        <MfaCard />
        <SessionsCard />
        <LinkedAccountsCard />
      </div>
    </>
  );
}
