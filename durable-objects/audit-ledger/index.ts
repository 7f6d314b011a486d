export { AuditLedger, type AppendAck, type LedgerHead, type ListPage, type StoredLink } from "./audit-ledger";
