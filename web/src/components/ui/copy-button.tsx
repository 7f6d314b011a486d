import { useEffect, useState } from "react";
import { Check, Copy } from "lucide-react";
import { cn } from "@/lib/cn";
import { Button, type ButtonProps } from "./button";

/**
 * Copies `value` to the clipboard and says so (visibly and to screen readers). `iconOnly` is the
 * compact form for ids in tables and headers: the label is then the button's accessible name
 * (and tooltip), and it reads "Copied" for two seconds after a copy.
 */
export function CopyButton({
  value,
  label = "Copy",
  iconOnly = false,
  className,
  ...rest
}: { value: string; label?: string; iconOnly?: boolean } & Omit<ButtonProps, "onClick" | "children">) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const t = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(t);
  }, [state]);
  const text = state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select and copy" : label;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  const icon = state === "copied" ? <Check className="size-4" aria-hidden="true" /> : <Copy className="size-4" aria-hidden="true" />;
  if (iconOnly) {
    return (
      <button
        type="button"
        className={cn(
          "inline-flex size-7 shrink-0 items-center justify-center rounded-md text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
          className,
        )}
        aria-label={text}
        title={text}
        onClick={copy}
      >
        {icon}
      </button>
    );
  }
  return (
    <Button variant="secondary" size="sm" {...rest} className={className} onClick={copy}>
      {icon}
      <span aria-live="polite">{text}</span>
    </Button>
  );
}

/** An id as people need it: in a monospace font, with a button that copies it. */
export function IdValue({ id, label, className }: { id: string; label: string; className?: string }) {
  return (
    <span className={cn("inline-flex max-w-full items-center gap-1", className)}>
      <code className="min-w-0 font-mono text-xs break-all">{id}</code>
      <CopyButton value={id} label={`Copy ${label}`} iconOnly />
    </span>
  );
}
