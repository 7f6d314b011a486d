import { CopyButton } from "./copy-button";

/** A block of text to paste somewhere else (an env file, a command, a program), with its own copy button. */
export function CodeBlock({
  code,
  label,
  caption,
}: {
  code: string /** What is copied, for the button: "Copy {label}". */;
  label: string;
  caption?: string;
}) {
  return (
    <figure className="overflow-hidden rounded-md ring-1 ring-zinc-300">
      <div className="flex items-center justify-between gap-2 border-b border-zinc-300 bg-zinc-100 py-1.5 pr-1.5 pl-3">
        <figcaption className="font-mono text-xs text-zinc-700">{caption ?? label}</figcaption>
        <CopyButton value={code} label={`Copy ${label}`} />
      </div>
      {/* Focusable: a keyboard can scroll a long line into view. */}
      <pre
        tabIndex={0}
        aria-label={caption ?? label}
        className="overflow-x-auto bg-zinc-900 p-3 font-mono text-[13px] leading-relaxed text-zinc-50 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-400"
      >
        <code>{code}</code>
      </pre>
    </figure>
  );
}
