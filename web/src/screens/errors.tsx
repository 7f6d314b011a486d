import { Link, type ErrorComponentProps } from "@tanstack/react-router";
import { buttonClass, ErrorState } from "@/components/ui";

export function NotFoundScreen() {
  return (
    <main id="main" className="mx-auto max-w-lg px-4 py-20 text-center">
      <h1 className="text-2xl font-semibold text-zinc-900">Page not found</h1>
      <p className="mt-2 text-sm text-zinc-600">There is nothing at this address. It may have moved, or the link may be mistyped.</p>
      <Link to="/" className={buttonClass("primary", "md", "mt-6")}>
        Go to the dashboard
      </Link>
    </main>
  );
}

export function RouteErrorScreen({ error, reset }: ErrorComponentProps) {
  return (
    <main id="main" className="mx-auto max-w-lg px-4 py-20">
      <h1 className="mb-4 text-2xl font-semibold text-zinc-900">Something went wrong</h1>
      <ErrorState error={error} onRetry={reset} />
    </main>
  );
}
