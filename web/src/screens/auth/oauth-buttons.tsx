import { useQuery } from "@tanstack/react-query";
import type { OAuthProvider } from "@shared/schemas/oauth";
import { api } from "@/lib/api";
import { identityPaths } from "@/lib/identity-api";
import { buttonClass } from "@/components/ui";

export const oauthProvidersQuery = {
  queryKey: ["oauth-providers"] as const,
  queryFn: () => api.get<{ data: OAuthProvider[] }>(identityPaths.oauthProviders).then((r) => r.data),
  staleTime: 5 * 60_000,
  retry: false,
};

/** "Continue with GitHub/Google": only providers the deployment has configured. Full-page navigations, not fetch. */
export function OAuthButtons({ next }: { next: string | undefined }) {
  const { data: providers } = useQuery(oauthProvidersQuery);
  if (!providers || providers.length === 0) return null;
  return (
    <div className="space-y-3">
      <div className="flex items-center gap-3 text-xs text-zinc-600">
        <span className="h-px flex-1 bg-zinc-200" />
        or
        <span className="h-px flex-1 bg-zinc-200" />
      </div>
      {providers.map((p) => (
        <a key={p.id} href={identityPaths.oauthStart(p.id, next ?? "/")} className={buttonClass("secondary", "md", "w-full")}>
          Continue with {p.name}
        </a>
      ))}
    </div>
  );
}
