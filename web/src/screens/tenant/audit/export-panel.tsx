import { Download } from "lucide-react";
import { buttonClass, CardSection } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { exportUrl, type ExportFormat } from "./audit-api";

/**
 * Downloads are plain links: the browser sends the session cookie and streams the file the API
 * writes. Only the time range applies: an export is a contiguous slice of the chain, which is
 * what makes it verifiable offline; other filters would cut holes in it.
 */
export function ExportPanel({ tenantId, from, to }: { tenantId: string; from?: string; to?: string }) {
  const bounds = [from && `since ${formatDateTime(from)}`, to && `before ${formatDateTime(to)}`].filter(Boolean);
  const range = bounds.length > 0 ? bounds.join(" and ") : "in the log";
  const link = (format: ExportFormat, label: string) => (
    <a href={exportUrl(tenantId, format, { from, to })} download className={buttonClass("secondary")}>
      <Download className="size-4" aria-hidden="true" /> {label}
    </a>
  );
  return (
    <CardSection
      title="Export"
      description={`Every event ${range}. Other filters do not apply: an export is a complete slice of the chain, so it can be verified offline.`}
    >
      <div className="flex flex-wrap gap-2">
        {link("jsonl", "Export JSONL")}
        {link("csv", "Export CSV")}
      </div>
      <p className="mt-2 text-xs text-zinc-600">
        JSONL keeps every field and hash, and verifies offline (Node 22, no install): in a Switchboard checkout run{" "}
        <code className="font-mono">npx switchboard-verify audit-….jsonl</code> — or copy{" "}
        <code className="font-mono">tools/switchboard-verify</code> anywhere and run{" "}
        <code className="font-mono">node bin.mjs audit-….jsonl</code>. Add <code className="font-mono">--expect-head</code> with the head
        hash Verify shows to tie the file to the chain. CSV is for spreadsheets.
      </p>
    </CardSection>
  );
}
