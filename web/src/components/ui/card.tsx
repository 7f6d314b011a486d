import type { HTMLAttributes, ReactNode } from "react";
import { cn } from "@/lib/cn";

export function Card({ className, ...rest }: HTMLAttributes<HTMLDivElement>) {
  return <div className={cn("rounded-lg bg-white shadow-xs ring-1 ring-zinc-200", className)} {...rest} />;
}

/** A titled card section; the heading level defaults to h2 (pages own the single h1). */
export function CardSection({
  title,
  description,
  actions,
  children,
  className,
  headingLevel = 2,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children?: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
}) {
  const H = headingLevel === 2 ? "h2" : "h3";
  return (
    <Card className={className}>
      <div className="flex flex-wrap items-start justify-between gap-3 border-b border-zinc-200 px-5 py-4">
        <div>
          <H className="text-base font-semibold text-zinc-900">{title}</H>
          {description && <p className="mt-1 text-sm text-zinc-600">{description}</p>}
        </div>
        {actions && <div className="flex items-center gap-2">{actions}</div>}
      </div>
      {children !== undefined && <div className="px-5 py-4">{children}</div>}
    </Card>
  );
}
