import type { ReactNode } from "react";
import { AlertTriangle, CheckCircle2, Info, XCircle } from "lucide-react";
import { cn } from "@/lib/cn";

export type AlertTone = "info" | "success" | "warning" | "danger";

const STYLES: Record<AlertTone, { box: string; Icon: typeof Info }> = {
  info: { box: "bg-sky-50 text-sky-900 ring-sky-600/20", Icon: Info },
  success: { box: "bg-green-50 text-green-900 ring-green-600/20", Icon: CheckCircle2 },
  warning: { box: "bg-amber-50 text-amber-900 ring-amber-600/30", Icon: AlertTriangle },
  danger: { box: "bg-red-50 text-red-900 ring-red-600/20", Icon: XCircle },
};

/** A message box. Danger alerts are announced (role="alert"); the others are polite status. */
export function Alert({
  tone = "info",
  title,
  children,
  className,
  action,
}: {
  tone?: AlertTone;
  title?: ReactNode;
  children?: ReactNode;
  className?: string;
  action?: ReactNode;
}) {
  const { box, Icon } = STYLES[tone];
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cn("flex gap-3 rounded-md p-3 text-sm ring-1 ring-inset", box, className)}
    >
      <Icon className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
      <div className="min-w-0 flex-1 space-y-1">
        {title && <p className="font-semibold">{title}</p>}
        {children && <div className="break-words">{children}</div>}
      </div>
      {action && <div className="shrink-0">{action}</div>}
    </div>
  );
}
