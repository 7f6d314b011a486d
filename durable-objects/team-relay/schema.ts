/**
 * The TeamRelay's own SQLite schema, migrated forward by a version number kept in `meta`
 * (`schema_version`) — the same idea as SQLite's `user_version`, kept in a table because the
 * Durable Object SQL API does not promise every PRAGMA. Migrations only append: never edit one
 * that has shipped. Layout and the reasons behind it: docs/relay.md.
 */
const MIGRATIONS: string[][] = [
  [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // seq is the per-team sequence (INTEGER PRIMARY KEY = the rowid). Purging never deletes the
    // newest row, so max(seq)+1 can never go backwards (see delivery.ts purgeExpired).
    `CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      sender TEXT NOT NULL,
      recipient TEXT,
      topic TEXT,
      client_id TEXT NOT NULL,
      in_reply_to TEXT,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    "CREATE UNIQUE INDEX IF NOT EXISTS messages_idempotency ON messages (sender, client_id)",
    "CREATE INDEX IF NOT EXISTS messages_recipient ON messages (recipient, seq) WHERE recipient IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at)",
    // Recipients of one-to-many messages (broadcast, topic); direct ones use messages.recipient.
    "CREATE TABLE IF NOT EXISTS fanout (recipient TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (recipient, seq)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS fanout_seq ON fanout (seq)",
    "CREATE TABLE IF NOT EXISTS cursors (agent_id TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS members (agent_id TEXT PRIMARY KEY, role TEXT NOT NULL, trust INTEGER NOT NULL) WITHOUT ROWID",
    `CREATE TABLE IF NOT EXISTS pending_requests (
      requester TEXT NOT NULL,
      request_id TEXT NOT NULL,
      responder TEXT NOT NULL,
      seq INTEGER NOT NULL,
      deadline INTEGER NOT NULL,
      PRIMARY KEY (requester, request_id)
    ) WITHOUT ROWID`,
    "CREATE INDEX IF NOT EXISTS pending_responder ON pending_requests (responder, request_id)",
    "CREATE INDEX IF NOT EXISTS pending_deadline ON pending_requests (deadline)",
    "CREATE TABLE IF NOT EXISTS subscriptions (topic TEXT NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (topic, agent_id)) WITHOUT ROWID",
    // Audit events staged in the same synchronous write as the decision they record; the alarm
    // flushes them to the audit trail in batches and deletes them only after that write succeeded.
    "CREATE TABLE IF NOT EXISTS audit_outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL) WITHOUT ROWID",
  ],
  [
    // One row written per message: Cloudflare bills every index entry as a row written, so the
    // message log keeps only its primary key (seq). The lookups those indexes served are range
    // scans from a cursor (reads cost a thousandth of writes) or in-memory caches rebuilt from
    // one scan (log-cache.ts). See docs/relay.md "Rows per message".
    "DROP INDEX IF EXISTS messages_idempotency",
    "DROP INDEX IF EXISTS messages_recipient",
    "DROP INDEX IF EXISTS messages_expiry",
    // Recipients a broadcast/publish skipped because their queue was full (JSON array), for its audit event.
    "ALTER TABLE messages ADD COLUMN skipped TEXT",
    // Accepted messages' audit events are derived from the log at flush time; this cursor says
    // how far. Messages accepted before this migration had their events staged in audit_outbox,
    // so the cursor starts at the current head (0 for a new relay).
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'audit_flushed_seq', CAST(coalesce(max(seq), 0) AS TEXT) FROM messages",
  ],
  [
    // Replies are bound to a request by its seq (the `req-<seq>` id of its deliver frame), so open
    // requests are keyed by seq — and carry no secondary index: the table only ever holds the
    // requests still waiting for an answer, which the relay keeps in memory (requests.ts).
    `CREATE TABLE IF NOT EXISTS open_requests (
      seq INTEGER PRIMARY KEY,
      requester TEXT NOT NULL,
      request_id TEXT NOT NULL,
      responder TEXT NOT NULL,
      deadline INTEGER NOT NULL
    )`,
    "INSERT OR IGNORE INTO open_requests (seq, requester, request_id, responder, deadline) SELECT seq, requester, request_id, responder, deadline FROM pending_requests",
    "DROP TABLE IF EXISTS pending_requests",
    // A reply's bound request (for its deliver frame's `requestSeq` and its audit event).
    "ALTER TABLE messages ADD COLUMN request_seq INTEGER",
    // The idempotency index, summarised: one row per sealed run of IDEMPOTENCY_SEGMENT seqs (the
    // 32-bit hashes of its (sender, client id) pairs, sorted), so a woken relay reads a few blobs
    // instead of scanning its log (idempotency.ts).
    "CREATE TABLE IF NOT EXISTS idem_segments (segment INTEGER PRIMARY KEY, hashes BLOB NOT NULL)",
    // Ack cursors and the audit flush cursor in ONE row, persisted lazily (cursors.ts): a lost update
    // only replays what the agent had acked, or re-sends audit events the ledger already has.
    `INSERT OR IGNORE INTO meta (key, value) SELECT 'cursors', json_object(
       'audit', CAST(coalesce((SELECT value FROM meta WHERE key = 'audit_flushed_seq'), '0') AS INTEGER),
       'acks', (SELECT coalesce(json_group_object(agent_id, acked_seq), json_object()) FROM cursors))`,
    "DELETE FROM meta WHERE key = 'audit_flushed_seq'",
    "DROP TABLE IF EXISTS cursors",
    // A member the API suspended (closeAgent 4003): its frames close the socket until D1 says it is active again.
    "ALTER TABLE members ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0",
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const current = Number(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").toArray()[0]?.value ?? 0);
  for (let version = current; version < MIGRATIONS.length; version++) {
    for (const statement of MIGRATIONS[version]!) sql.exec(statement);
    sql.exec(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      String(version + 1),
    );
  }
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}
