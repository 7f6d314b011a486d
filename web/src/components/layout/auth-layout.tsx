import type { ReactNode } from "react";
import { Logo } from "./logo";

/** Signed-out pages: one centred card with the page's h1. */
export function AuthLayout({
  title,
  description,
  children,
  footer,
  wide = false,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className="flex min-h-screen flex-col items-center px-4 py-10 sm:py-16">
      <header className="mb-8">
        <Logo to="/login" />
      </header>
      <main className={wide ? "w-full max-w-3xl" : "w-full max-w-md"}>
        <div className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-zinc-200 sm:p-8">
          <h1 className="text-xl font-semibold tracking-tight text-zinc-900">{title}</h1>
          {description && <p className="mt-1 text-sm text-zinc-600">{description}</p>}
          <div className="mt-6">{children}</div>
        </div>
        {footer && <div className="mt-6 text-center text-sm text-zinc-700">{footer}</div>}
      </main>
    </div>
  );
}
