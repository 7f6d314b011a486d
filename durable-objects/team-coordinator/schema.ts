/**
 * The TeamCoordinator's SQLite schema, migrated forward by `meta.schema_version` (as the relay
 * does). Migrations only append: never edit one that has shipped. Layout: docs/coordination.md.
 */
const MIGRATIONS: string[][] = [
  [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    // One row per held lock. Expired rows are free (lazy expiry) and purged by the alarm.
    // The fencing counter lives in meta.fence, never in this table, so deleting a row never lets a token repeat.
    `CREATE TABLE IF NOT EXISTS locks (
      name TEXT PRIMARY KEY,
      holder_type TEXT NOT NULL,
      holder_id TEXT,
      holder_name TEXT,
      fence INTEGER NOT NULL,
      acquired_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    "CREATE INDEX IF NOT EXISTS locks_holder ON locks (holder_id)",
    // seq (the rowid) orders tasks by creation for FIFO within a priority.
    `CREATE TABLE IF NOT EXISTS tasks (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      title TEXT NOT NULL,
      body TEXT NOT NULL,
      labels TEXT NOT NULL,
      priority INTEGER NOT NULL,
      assignee TEXT,
      capability TEXT,
      depends_on TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL,
      visibility_ms INTEGER NOT NULL,
      claimed_by TEXT,
      claim_token TEXT,
      lease_expires_at INTEGER,
      result TEXT,
      last_error TEXT,
      created_by TEXT NOT NULL,
      workflow_run_id TEXT,
      step_key TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    "CREATE INDEX IF NOT EXISTS tasks_ready ON tasks (state, priority DESC, seq)",
    "CREATE INDEX IF NOT EXISTS tasks_lease ON tasks (lease_expires_at) WHERE state = 'claimed'",
    "CREATE TABLE IF NOT EXISTS task_deps (depends_on TEXT NOT NULL, task_id TEXT NOT NULL, PRIMARY KEY (depends_on, task_id)) WITHOUT ROWID",
    `CREATE TABLE IF NOT EXISTS handoffs (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      key TEXT NOT NULL,
      version INTEGER NOT NULL,
      from_actor TEXT NOT NULL,
      from_id TEXT,
      to_agent TEXT NOT NULL,
      title TEXT NOT NULL,
      done TEXT NOT NULL,
      next TEXT NOT NULL,
      links TEXT NOT NULL,
      context TEXT NOT NULL,
      task_id TEXT,
      workflow_run_id TEXT,
      created_at INTEGER NOT NULL,
      read_at INTEGER,
      UNIQUE (key, to_agent, version)
    )`,
    "CREATE INDEX IF NOT EXISTS handoffs_to ON handoffs (to_agent, seq)",
    // owner: the agent for scope 'agent', '' for team memory (so the quota index works for both).
    `CREATE TABLE IF NOT EXISTS memories (
      rowid INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      scope TEXT NOT NULL,
      owner TEXT NOT NULL,
      kind TEXT NOT NULL,
      content TEXT NOT NULL,
      tags TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER
    )`,
    "CREATE INDEX IF NOT EXISTS memories_owner ON memories (scope, owner, created_at)",
    "CREATE INDEX IF NOT EXISTS memories_expiry ON memories (expires_at) WHERE expires_at IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS memory_tags (tag TEXT NOT NULL, memory_rowid INTEGER NOT NULL, PRIMARY KEY (tag, memory_rowid)) WITHOUT ROWID",
    // Full text: an external-content FTS5 index over memories.content and tags (checked: FTS5 is
    // compiled into workerd's SQLite, locally and in production Durable Objects).
    "CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(content, tags, content='memories', content_rowid='rowid')",
    `CREATE TABLE IF NOT EXISTS presence (
      agent_id TEXT PRIMARY KEY,
      capabilities TEXT NOT NULL,
      status_text TEXT,
      current_task TEXT,
      last_seen INTEGER NOT NULL
    ) WITHOUT ROWID`,
    `CREATE TABLE IF NOT EXISTS workflow_runs (
      id TEXT PRIMARY KEY,
      template TEXT NOT NULL,
      title TEXT NOT NULL,
      status TEXT NOT NULL,
      started_by TEXT NOT NULL,
      params TEXT NOT NULL,
      steps TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    ) WITHOUT ROWID`,
    // Audit events staged in the same synchronous write as the operation they record; the alarm
    // flushes them in batches (emitAuditBatch) and deletes exactly the rows it wrote.
    "CREATE TABLE IF NOT EXISTS audit_outbox (id TEXT PRIMARY KEY, event TEXT NOT NULL) WITHOUT ROWID",
  ],
];

export function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
  const current = Number(readMeta(sql, "schema_version") ?? 0);
  for (let v = current; v < MIGRATIONS.length; v++) {
    for (const statement of MIGRATIONS[v]!) sql.exec(statement);
    writeMeta(sql, "schema_version", String(v + 1));
  }
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
  return row ? row.value : null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
}
