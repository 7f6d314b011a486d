-- D1 tables of the naive relay (d). Applied by bench/server.mjs to the bench's own D1 database.
CREATE TABLE IF NOT EXISTS naive_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, team TEXT NOT NULL, kind TEXT NOT NULL, sender TEXT NOT NULL, recipient TEXT, client_id TEXT NOT NULL, in_reply_to TEXT, body TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS naive_messages_idempotency ON naive_messages (team, sender, client_id);
CREATE INDEX IF NOT EXISTS naive_messages_client ON naive_messages (team, client_id);
CREATE TABLE IF NOT EXISTS naive_cursors (team TEXT NOT NULL, agent TEXT NOT NULL, delivered_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL, PRIMARY KEY (team, agent));
CREATE TABLE IF NOT EXISTS naive_audit (id TEXT PRIMARY KEY, team TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, details TEXT NOT NULL, at INTEGER NOT NULL);
