/**
 * The event store's SQLite schema (better-sqlite3, WAL). Versioned with `PRAGMA user_version`; each migration runs
 * once, in order, in a transaction.
 *
 * - deliveries: one row per accepted POST: the raw body exactly as received, headers (nothing secret), time,
 *   signature result, body hash (duplicate detection), queue / forward state.
 * - records: the normalised changes of a delivery, written in the same transaction as its row (`deliveries.parsed`
 *   is 1 then; rows of older versions may have 0, and readers parse those bodies). Indexed for the filters of the
 *   UI and CLI.
 * - meta: the store's instance id, and `journal_seq`: the last ingest-journal frame whose delivery is here.
 * - duplicates: one row per repeated delivery, pointing at the first one.
 * - outbox: pending work per target ('redis' | 'forward'), in arrival order; a row is deleted once done.
 * - attempts: every forward / replay attempt with status, latency and error.
 */

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    signature TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    body_size INTEGER NOT NULL,
    body_hash BLOB NOT NULL,
    headers TEXT NOT NULL,
    duplicate_of INTEGER,
    duplicates INTEGER NOT NULL DEFAULT 0,
    parsed INTEGER NOT NULL DEFAULT 0,
    queued TEXT NOT NULL DEFAULT 'none',
    stream_id TEXT,
    forward TEXT NOT NULL DEFAULT 'none'
  );
  CREATE INDEX deliveries_received ON deliveries(received_at);
  CREATE INDEX deliveries_hash ON deliveries(body_hash) WHERE duplicate_of IS NULL;

  CREATE TABLE records (
    delivery_id INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    waba_id TEXT,
    phone_number_id TEXT,
    message_id TEXT,
    sender TEXT,
    sender_type TEXT,
    recipient TEXT,
    message_type TEXT,
    status TEXT,
    error_codes TEXT NOT NULL,
    error_titles TEXT NOT NULL,
    ts TEXT,
    text TEXT,
    PRIMARY KEY (delivery_id, idx)
  ) WITHOUT ROWID;
  CREATE INDEX records_kind ON records(kind, delivery_id);
  CREATE INDEX records_sender ON records(sender);
  CREATE INDEX records_recipient ON records(recipient);
  CREATE INDEX records_message ON records(message_id);
  CREATE INDEX records_status ON records(status, delivery_id);

  CREATE TABLE duplicates (
    delivery_id INTEGER PRIMARY KEY,
    original_id INTEGER NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX duplicates_original ON duplicates(original_id);

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    target TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX outbox_target ON outbox(target, id);
  CREATE INDEX outbox_delivery ON outbox(delivery_id);

  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    target TEXT NOT NULL,
    status_code INTEGER,
    latency_ms REAL,
    error TEXT,
    replay INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX attempts_delivery ON attempts(delivery_id);
  `,
];
