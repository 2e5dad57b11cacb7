/**
 * What the panel, the CLI and the outbox workers read from the event store: event summaries with their records, a
 * filtered newest-first list, one event in detail (headers, raw body, forward attempts), a body as stored, and the
 * counts behind `events:stats`. Reads see committed data only (see pipeline.ts for how acknowledged events that are
 * still waiting for their batch become visible first).
 */
import type Database from 'better-sqlite3';
import type {
  EventDetail,
  EventRecord,
  EventsListInput,
  EventSummary,
  SignatureResult,
} from '../../../shared/domain/events';
import { normaliseBody } from './parser';
import {
  DELIVERY_COLUMNS,
  rowToAttempt,
  rowToRecord,
  rowToSummary,
  type AttemptRow,
  type DeliveryRow,
  type DeliverySource,
  type RecordRow,
} from './store-rows';

export interface StoredBody {
  id: number;
  receivedAt: number;
  source: DeliverySource;
  signature: SignatureResult;
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface ListFilter extends Omit<EventsListInput, 'since' | 'limit'> {
  /** Epoch ms */
  sinceMs?: number;
  limit: number;
}

interface StoredBodyRow {
  id: number;
  received_at: number;
  source: string;
  signature: string;
  content_type: string;
  body: Buffer;
  headers: string;
}

function prepareStatements(db: Database.Database) {
  return {
    body: db.prepare<[number], StoredBodyRow>(
      'SELECT id, received_at, source, signature, content_type, body, headers FROM deliveries WHERE id = ?',
    ),
    attempts: db.prepare<[number], AttemptRow>('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY id'),
  };
}

export class EventQueries {
  private readonly stmt: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepareStatements(db);
  }

  getBody(id: number): StoredBody | null {
    const row = this.stmt.body.get(id);
    if (!row) return null;
    return {
      id: row.id,
      receivedAt: row.received_at,
      source: row.source as DeliverySource,
      signature: row.signature as SignatureResult,
      contentType: row.content_type,
      body: row.body,
      headers: JSON.parse(row.headers) as Record<string, string>,
    };
  }

  /** Records of these deliveries; those not written yet (parsed = 0) are parsed from the body. */
  private recordsOf(rows: DeliveryRow[]): Map<number, EventRecord[]> {
    const map = this.recordsFor(rows.filter((r) => r.parsed === 1).map((r) => r.id));
    for (const row of rows) {
      if (row.parsed === 1) continue;
      const stored = this.stmt.body.get(row.id);
      map.set(row.id, stored ? normaliseBody(stored.body) : []);
    }
    return map;
  }

  recordsFor(ids: number[]): Map<number, EventRecord[]> {
    const map = new Map<number, EventRecord[]>();
    if (ids.length === 0) return map;
    const rows = this.db
      .prepare(
        'SELECT * FROM records WHERE delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, idx',
      )
      .all(JSON.stringify(ids)) as RecordRow[];
    for (const row of rows) {
      const list = map.get(row.delivery_id) ?? [];
      list.push(rowToRecord(row));
      map.set(row.delivery_id, list);
    }
    return map;
  }

  summaries(ids: number[]): EventSummary[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
      )
      .all(JSON.stringify(ids)) as DeliveryRow[];
    const records = this.recordsOf(rows);
    return rows.map((r) => rowToSummary(r, records.get(r.id) ?? []));
  }

  list(f: ListFilter): EventSummary[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.beforeId !== undefined) {
      where.push('d.id < ?');
      args.push(f.beforeId);
    }
    if (f.sinceMs !== undefined) {
      where.push('d.received_at >= ?');
      args.push(f.sinceMs);
    }
    const rec: string[] = [];
    const recArgs: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      rec.push(sql);
      recArgs.push(...values);
    };
    if (f.kind) add('r.kind = ?', f.kind);
    if (f.status) add('r.status = ?', f.status);
    if (f.messageId) add('r.message_id = ?', f.messageId);
    if (f.party) {
      add('(r.sender = ? OR r.recipient = ? OR r.phone_number_id = ?)', f.party, f.party, f.party);
    }
    if (f.text) {
      add("r.text LIKE ? ESCAPE '\\'", `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (rec.length) {
      // Selective filters (ids) find candidates through their index; broad ones probe newest-first.
      if (f.messageId || f.party)
        where.push(`d.id IN (SELECT r.delivery_id FROM records r WHERE ${rec.join(' AND ')})`);
      else where.push(`EXISTS (SELECT 1 FROM records r WHERE r.delivery_id = d.id AND ${rec.join(' AND ')})`);
      args.push(...recArgs);
    }
    const sql = `SELECT ${DELIVERY_COLUMNS} FROM deliveries d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY d.id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, f.limit) as DeliveryRow[];
    const records = this.recordsOf(rows);
    return rows.map((r) => rowToSummary(r, records.get(r.id) ?? []));
  }

  detail(id: number): EventDetail | null {
    const summary = this.summaries([id])[0];
    const stored = this.getBody(id);
    if (!summary || !stored) return null;
    const stream = this.db.prepare('SELECT stream_id FROM deliveries WHERE id = ?').get(id) as {
      stream_id: string | null;
    };
    return {
      ...summary,
      headers: stored.headers,
      body: stored.body.toString('utf8'),
      attempts: this.stmt.attempts.all(id).map(rowToAttempt),
      streamId: stream.stream_id,
    };
  }

  stats(now: number): {
    total: number;
    duplicates: number;
    perMinute: { minute: string; count: number }[];
  } {
    const total = (this.db.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
    const duplicates = (this.db.prepare('SELECT count(*) AS n FROM duplicates').get() as { n: number }).n;
    const since = Math.floor(now / 60_000) * 60_000 - 59 * 60_000;
    const rows = this.db
      .prepare(
        `SELECT received_at / 60000 AS m, count(*) AS n FROM deliveries WHERE received_at >= ?
         GROUP BY m ORDER BY m`,
      )
      .all(since) as { m: number; n: number }[];
    const perMinute = rows.map((r) => ({ minute: new Date(r.m * 60_000).toISOString(), count: r.n }));
    return { total, duplicates, perMinute };
  }
}
