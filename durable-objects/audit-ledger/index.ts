export { AuditLedger, type AppendAck, type LedgerHead } from "./audit-ledger";
