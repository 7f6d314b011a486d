import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatDateTime, formatRelative } from "@/lib/format";
import type { LedgerEntry } from "./audit-api";
import { actorDisplay, actorTypeLabel, OutcomeBadge, SeverityBadge, targetName } from "./audit-badges";

/**
 * One row per event, newest first. The action cell is the row's button (keyboard and screen
 * readers reach the drawer through it); a click anywhere on the row does the same for the mouse.
 */
export function AuditTable({ entries, selectedSeq, onOpen }: { entries: LedgerEntry[]; selectedSeq: number | undefined; onOpen: (seq: number) => void }) {
  return (
    <Table caption="Audit events, newest first">
      <THead>
        <Tr>
          <Th>Seq</Th>
          <Th>Time</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Target</Th>
          <Th>Result</Th>
        </Tr>
      </THead>
      <TBody>
        {entries.map((e) => {
          const iso = new Date(e.at).toISOString();
          return (
            <Tr key={e.seq} onClick={() => onOpen(e.seq)} aria-current={selectedSeq === e.seq ? "true" : undefined} className="cursor-pointer hover:bg-zinc-50 aria-[current=true]:bg-indigo-50">
              <Td className="font-mono text-xs text-zinc-700">#{e.seq}</Td>
              <Td className="whitespace-nowrap text-zinc-700">
                <time dateTime={iso} title={iso}>
                  {formatDateTime(iso)}
                </time>
                <p className="text-xs text-zinc-600">{formatRelative(iso)}</p>
              </Td>
              <Td>
                <p className="max-w-44 truncate font-medium" title={e.actor.id ?? undefined}>
                  {actorDisplay(e.actor)}
                </p>
                <p className="text-xs text-zinc-600">{actorTypeLabel(e.actor.type)}</p>
              </Td>
              <Td>
                <button
                  type="button"
                  onClick={(ev) => {
                    ev.stopPropagation();
                    onOpen(e.seq);
                  }}
                  className="rounded font-mono text-[13px] text-indigo-700 underline-offset-2 hover:underline"
                  aria-label={`${e.action}, event #${e.seq}: open details`}
                >
                  {e.action}
                </button>
              </Td>
              <Td className="text-zinc-700">
                {e.target ? (
                  <>
                    <p className="max-w-44 truncate">
                      <span className="text-xs text-zinc-600">{e.target.type}</span>
                      {targetName(e) && <span className="font-medium"> {targetName(e)}</span>}
                    </p>
                    <p className="max-w-44 truncate font-mono text-xs text-zinc-600" title={e.target.id}>
                      {e.target.id}
                    </p>
                  </>
                ) : (
                  "—"
                )}
              </Td>
              <Td>
                {/* Severity and outcome stacked: one narrow column keeps the table within the page. */}
                <span className="flex flex-col items-start gap-1">
                  <SeverityBadge severity={e.severity} />
                  <OutcomeBadge outcome={e.outcome} />
                </span>
              </Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}
