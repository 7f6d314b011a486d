import { useQuery } from "@tanstack/react-query";
import { ArrowDown, ArrowUp, CheckCircle2, Filter, XCircle } from "lucide-react";
import type { ReactNode } from "react";
import { GENESIS_HASH, hashEntry, linkHashAfter } from "@shared/audit/chain";
import { QueryState } from "@/components/query-state";
import { Badge, Button, CopyButton, Sheet } from "@/components/ui";
import { formatDateTime, formatRelative } from "@/lib/format";
import { auditEventQuery, type LedgerEntry } from "./audit-api";
import { actorDisplay, actorTypeLabel, OutcomeBadge, SeverityBadge, targetName } from "./audit-badges";
import type { NameLookup } from "./audit-names";

interface EventDrawerProps {
  tenantId: string;
  /** The seq to show; undefined = closed. */
  seq: number | undefined;
  /** Entries already loaded by the list (shown at once, no request). */
  loaded: ReadonlyMap<number, LedgerEntry>;
  names: NameLookup;
  onSeq: (seq: number | undefined) => void;
  onFilterAction: (action: string) => void;
}

/** The detail drawer: the event's fields, its place in the hash chain, and the raw JSON. */
export function EventDrawer({ tenantId, seq, loaded, names, onSeq, onFilterAction }: EventDrawerProps) {
  const fromList = seq !== undefined ? loaded.get(seq) : undefined;
  const event = useQuery({ ...auditEventQuery(tenantId, seq ?? 0), enabled: seq !== undefined && !fromList });
  const entry = fromList ?? event.data;
  return (
    <Sheet
      open={seq !== undefined}
      onOpenChange={(open) => !open && onSeq(undefined)}
      title={seq !== undefined ? `Audit event #${seq}` : "Audit event"}
      description={entry ? <span className="font-mono">{entry.action}</span> : undefined}
      footer={
        entry && (
          <Button variant="secondary" onClick={() => onFilterAction(entry.action)}>
            <Filter className="size-4" aria-hidden="true" /> Show only {entry.action} events
          </Button>
        )
      }
    >
      {fromList ? (
        <EventBody tenantId={tenantId} entry={fromList} loaded={loaded} names={names} onSeq={onSeq} />
      ) : (
        <QueryState query={event} loadingLabel="Loading the event…" errorTitle="Could not load this event">
          {(e) => <EventBody tenantId={tenantId} entry={e} loaded={loaded} names={names} onSeq={onSeq} />}
        </QueryState>
      )}
    </Sheet>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[8rem_1fr] gap-3 py-2">
      <dt className="text-sm text-zinc-600">{label}</dt>
      <dd className="min-w-0 text-sm break-words text-zinc-900">{children}</dd>
    </div>
  );
}

function EventBody({
  tenantId,
  entry,
  loaded,
  names,
  onSeq,
}: {
  tenantId: string;
  entry: LedgerEntry;
  loaded: ReadonlyMap<number, LedgerEntry>;
  names: NameLookup;
  onSeq: (seq: number) => void;
}) {
  const iso = new Date(entry.at).toISOString();
  const json = JSON.stringify(entry, null, 2);
  return (
    <div className="space-y-6">
      <dl className="divide-y divide-zinc-100">
        <Row label="Time">
          <time dateTime={iso}>{formatDateTime(iso)}</time> <span className="text-zinc-600">({formatRelative(iso)})</span>
          <p className="font-mono text-xs text-zinc-600">{iso}</p>
        </Row>
        <Row label="Actor">
          {entry.actor.name || entry.actor.id ? actorDisplay(entry.actor, names) : "—"} <Badge>{actorTypeLabel(entry.actor.type)}</Badge>
          {entry.actor.id && <p className="font-mono text-xs text-zinc-600">{entry.actor.id}</p>}
        </Row>
        <Row label="Action">
          <code className="font-mono text-[13px]">{entry.action}</code>
        </Row>
        <Row label="Target">
          {entry.target ? (
            <>
              {entry.target.type} {targetName(entry, names) && <span className="font-medium">{targetName(entry, names)}</span>}
              <p className="font-mono text-xs text-zinc-600">{entry.target.id}</p>
            </>
          ) : (
            "—"
          )}
        </Row>
        <Row label="Severity">
          <SeverityBadge severity={entry.severity} />
        </Row>
        <Row label="Outcome">
          <OutcomeBadge outcome={entry.outcome} />
        </Row>
        <Row label="Source">
          {entry.ip ?? "—"}
          {entry.userAgent && <p className="text-xs text-zinc-600">{entry.userAgent}</p>}
        </Row>
        <Row label="Event id">
          <code className="font-mono text-xs">{entry.id}</code>
        </Row>
      </dl>

      <HashChain tenantId={tenantId} entry={entry} loaded={loaded} onSeq={onSeq} />

      <section>
        <div className="mb-2 flex items-center justify-between gap-2">
          <h3 id="event-json-heading" className="text-sm font-semibold text-zinc-900">
            Event JSON
          </h3>
          <CopyButton value={json} label="Copy JSON" />
        </div>
        <pre
          tabIndex={0}
          aria-label="Event JSON"
          className="max-h-96 overflow-auto rounded-md bg-zinc-900 p-3 font-mono text-xs leading-relaxed text-zinc-50"
        >
          {json}
        </pre>
      </section>
    </div>
  );
}

/**
 * The event's place in the hash chain. A v1 event is its own link: its prevHash must be the
 * previous event's hash. A v2 event belongs to a block (the events written together): its own hash
 * is a leaf of the block's Merkle root, and the block links to the link before it. When the
 * previous link is at hand the drawer compares them (a quick look; "Verify chain" is the real check).
 */
function HashChain({
  tenantId,
  entry,
  loaded,
  onSeq,
}: {
  tenantId: string;
  entry: LedgerEntry;
  loaded: ReadonlyMap<number, LedgerEntry>;
  onSeq: (seq: number) => void;
}) {
  const link = entry.v === 1 ? { fromSeq: entry.seq, toSeq: entry.seq, prevHash: entry.prevHash } : entry.block;
  const prevSeq = link.fromSeq - 1;
  const isFirst = link.fromSeq === 1 && link.prevHash === GENESIS_HASH;
  const prevLoaded = loaded.get(prevSeq);
  const prev = useQuery({ ...auditEventQuery(tenantId, prevSeq), enabled: prevSeq >= 1 && !prevLoaded });
  const previous = prevLoaded ?? prev.data;
  const previousLinkHash = previous ? linkHashAfter(previous) : null;
  const next = loaded.get(entry.seq + 1);
  // The same canonical-JSON + SHA-256 the ledger used (chain.ts), recomputed here: the browser
  // checks the event itself rather than taking the server's word for it.
  const recomputed = useQuery({ queryKey: ["audit-hash", entry], queryFn: () => hashEntry(entry), staleTime: Infinity });
  return (
    <section aria-labelledby="hash-chain-heading" className="rounded-lg ring-1 ring-zinc-200">
      <div className="border-b border-zinc-200 px-4 py-3">
        <h3 id="hash-chain-heading" className="text-sm font-semibold text-zinc-900">
          Hash chain
        </h3>
        <p className="mt-0.5 text-xs text-zinc-600">
          {entry.v === 1
            ? "This event is its own link: its hash covers its content and the previous event's hash, so changing, removing or inserting any event breaks every link after it."
            : `This event is ${entry.seq - link.fromSeq + 1} of ${link.toSeq - link.fromSeq + 1} in block #${link.fromSeq}–${link.toSeq} (the events written together). Its hash is a leaf of the block's Merkle root; the block's hash covers that root and the previous link's hash, so changing, removing or inserting any event breaks every link after it.`}
        </p>
      </div>
      <dl className="divide-y divide-zinc-100 px-4">
        <Row label={entry.v === 1 ? "Previous hash" : "Previous link"}>
          <HashValue value={link.prevHash} label="previous hash" />
          {isFirst ? (
            <p className="mt-1 text-xs text-zinc-600">Genesis: this is the first link of the tenant's chain.</p>
          ) : (
            <div className="mt-1 flex flex-wrap items-center gap-2 text-xs">
              <Button variant="ghost" size="sm" onClick={() => onSeq(prevSeq)}>
                <ArrowDown className="size-4" aria-hidden="true" /> Open previous event #{prevSeq}
              </Button>
              {previousLinkHash &&
                (previousLinkHash === link.prevHash ? (
                  <span className="inline-flex items-center gap-1 text-green-800">
                    <CheckCircle2 className="size-3.5" aria-hidden="true" /> Matches the hash of #{prevSeq}
                    {previous?.v === 2 ? `'s block` : ""}
                  </span>
                ) : (
                  <span className="inline-flex items-center gap-1 text-red-800">
                    <XCircle className="size-3.5" aria-hidden="true" /> Does not match the hash of #{prevSeq}
                    {previous?.v === 2 ? `'s block` : ""}
                  </span>
                ))}
            </div>
          )}
        </Row>
        {entry.v === 2 && (
          <>
            <Row label="Block hash">
              <HashValue value={entry.block.hash} label="block hash" />
            </Row>
            <Row label="Merkle root">
              <HashValue value={entry.block.root} label="Merkle root" />
            </Row>
          </>
        )}
        <Row label={entry.v === 1 ? "Hash" : "Event hash"}>
          <HashValue value={entry.hash} label="hash" />
          {recomputed.data !== undefined &&
            (recomputed.data === entry.hash ? (
              <p className="mt-1 inline-flex items-center gap-1 text-xs text-green-800">
                <CheckCircle2 className="size-3.5" aria-hidden="true" /> Recomputed in your browser: matches this event's content
              </p>
            ) : (
              <div className="mt-1 text-xs text-red-800">
                <p className="inline-flex items-center gap-1 font-medium">
                  <XCircle className="size-3.5" aria-hidden="true" /> Recomputed in your browser: does not match — this event was changed
                  after it was written
                </p>
                <p className="font-mono break-all">{recomputed.data}</p>
              </div>
            ))}
          {next && (
            <div className="mt-1">
              <Button variant="ghost" size="sm" onClick={() => onSeq(next.seq)}>
                <ArrowUp className="size-4" aria-hidden="true" /> Open next event #{next.seq}
              </Button>
            </div>
          )}
        </Row>
      </dl>
    </section>
  );
}

function HashValue({ value, label }: { value: string; label: string }) {
  return (
    <div className="flex items-start gap-2">
      <code className="min-w-0 flex-1 font-mono text-xs break-all text-zinc-800">{value}</code>
      <CopyButton value={value} label="Copy" aria-label={`Copy ${label}`} />
    </div>
  );
}
