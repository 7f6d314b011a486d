import { useState } from "react";
import type { z } from "zod";
import type { SsoDiscoverResultSchema } from "@shared/schemas/sso";
import { Alert, Button } from "@/components/ui";
import { api } from "@/lib/api";

/**
 * "Sign in with SSO": asks the API whether the typed email's domain belongs to a tenant's single
 * sign-on (POST /v1/auth/sso/discover), then sends the browser to the identity provider.
 */
export function SsoButton({ email, next }: { email: string; next?: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function start() {
    setProblem(null);
    if (!email.includes("@")) {
      setProblem("Enter your work email above first.");
      return;
    }
    setPending(true);
    try {
      const found = await api.post<z.infer<typeof SsoDiscoverResultSchema>>("/v1/auth/sso/discover", { email });
      if (!found.sso || !found.startUrl) {
        setProblem("No single sign-on is set up for that email's domain. Log in with your password instead.");
        return;
      }
      window.location.assign(next ? `${found.startUrl}&redirectTo=${encodeURIComponent(next)}` : found.startUrl);
    } catch {
      setProblem("Could not check single sign-on right now. Try again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      {problem && (
        <Alert tone="warning" className="mb-2">
          {problem}
        </Alert>
      )}
      <Button type="button" variant="secondary" className="w-full" pending={pending} onClick={start}>
        Sign in with SSO
      </Button>
    </>
  );
}
