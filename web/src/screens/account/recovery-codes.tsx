import { Download } from "lucide-react";
import { Alert, Button, CopyButton } from "@/components/ui";

/** Recovery codes, shown once, with copy and download. */
export function RecoveryCodesReveal({ codes }: { codes: string[] }) {
  const text = `Switchboard recovery codes (each works once)\n\n${codes.join("\n")}\n`;
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "switchboard-recovery-codes.txt";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div className="space-y-3">
      <Alert tone="warning" title="Save these recovery codes now: you will not see them again">
        If you lose your authenticator, each code lets you sign in once. Keep them somewhere safe, like a password manager.
      </Alert>
      <ul
        aria-label="Recovery codes"
        data-testid="recovery-codes"
        className="grid grid-cols-2 gap-2 rounded-md bg-zinc-900 p-4 font-mono text-sm text-zinc-50 sm:grid-cols-3"
      >
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton value={codes.join("\n")} label="Copy codes" />
        <Button variant="secondary" size="sm" onClick={download}>
          <Download className="size-4" aria-hidden="true" /> Download .txt
        </Button>
      </div>
    </div>
  );
}
