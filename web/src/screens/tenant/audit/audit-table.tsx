import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatDateTime, formatRelative } from "@/lib/format";
import type { LedgerEntry } from "./audit-api";
import { actorDisplay, actorTypeLabel, OutcomeBadge, SeverityBadge, targetName } from "./audit-badges";
import type { NameLookup } from "./audit-names";

/**
 * One row per event, newest first. The action cell is the row's button (keyboard and screen
 * readers reach the drawer through it); a click anywhere on the row does the same for the mouse.
 * Fixed column widths with truncation inside the cells keep every column, Result included, on a
 * 1366 px screen without horizontal scrolling; long ids stay readable on hover and in the drawer.
 */
export function AuditTable({
  entries,
  names,
  selectedSeq,
  onOpen,
}: {
  entries: LedgerEntry[];
  names: NameLookup;
  selectedSeq: number | undefined;
  onOpen: (seq: number) => void;
}) {
  return (
    <Table caption="Audit events, newest first" className="table-fixed" data-testid="audit-table">
      <colgroup>
        <col className="w-20" />
        <col className="w-44" />
        <col />
        <col className="w-[24%]" />
        <col />
        <col className="w-28" />
      </colgroup>
      <THead>
        <Tr>
          <Th className="px-3">Seq</Th>
          <Th className="px-3">Time</Th>
          <Th className="px-3">Actor</Th>
          <Th className="px-3">Action</Th>
          <Th className="px-3">Target</Th>
          <Th className="px-3">Result</Th>
        </Tr>
      </THead>
      <TBody>
        {entries.map((e) => {
          const iso = new Date(e.at).toISOString();
          const actor = actorDisplay(e.actor, names);
          const target = e.target ? targetName(e, names) : undefined;
          return (
            <Tr
              key={e.seq}
              onClick={() => onOpen(e.seq)}
              aria-current={selectedSeq === e.seq ? "true" : undefined}
              className="cursor-pointer hover:bg-zinc-50 aria-[current=true]:bg-indigo-50"
            >
              <Td className="px-3 font-mono text-xs text-zinc-700">#{e.seq}</Td>
              <Td className="px-3 text-zinc-700">
                <time dateTime={iso} title={iso}>
                  {formatDateTime(iso)}
                </time>
                <p className="text-xs text-zinc-600">{formatRelative(iso)}</p>
              </Td>
              <Td className="px-3">
                <p className="truncate font-medium" title={e.actor.id ? `${actor} (${e.actor.id})` : actor}>
                  {actor}
                </p>
                <p className="text-xs text-zinc-600">{actorTypeLabel(e.actor.type)}</p>
              </Td>
              <Td className="px-3">
                <button
                  type="button"
                  onClick={(ev) => {
                    ev.stopPropagation();
                    onOpen(e.seq);
                  }}
                  className="rounded text-left font-mono text-[13px] [overflow-wrap:anywhere] text-indigo-700 underline-offset-2 hover:underline"
                  aria-label={`${e.action}, event #${e.seq}: open details`}
                >
                  {e.action}
                </button>
              </Td>
              <Td className="px-3 text-zinc-700">
                {e.target ? (
                  <>
                    <p className="truncate" title={target ? `${target} (${e.target.id})` : e.target.id}>
                      <span className="text-xs text-zinc-600">{e.target.type}</span>
                      {target && <span className="font-medium"> {target}</span>}
                    </p>
                    <p className="truncate font-mono text-xs text-zinc-600" title={e.target.id}>
                      {e.target.id}
                    </p>
                  </>
                ) : (
                  "—"
                )}
              </Td>
              <Td className="px-3">
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
