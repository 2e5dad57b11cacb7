/**
 * `kreo events list|show|stats|replay`: the webhook events the listener kept. list, show and stats ask the running
 * host, or read the event store directly when none runs; replay needs the host (it owns the forwarder) and starts
 * one if needed.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  eventKindSchema,
  eventsListInputSchema,
  type EventDetail,
  type EventRecord,
  type EventSummary,
} from '../../../shared/domain/events';
import { KreoError } from '../../../shared/errors';
import type { ControlClient } from '../../services/control/control-client';
import type { EventStore } from '../../services/webhook/event-store';
import { parseSince } from '../../services/webhook/since';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../format';

const parseId = parsePositiveInt(Number.MAX_SAFE_INTEGER);

function quote(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ');
  return `"${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}

function shortId(id: string | null): string {
  if (!id) return '';
  return id.length > 24 ? `${id.slice(0, 12)}…${id.slice(-6)}` : id;
}

/** One record in a line: what happened, to whom, with what. */
export function recordText(r: EventRecord): string {
  const errors = r.errorCodes.length
    ? ` [${r.errorCodes.join(',')}${r.errorTitles[0] ? ` ${r.errorTitles[0]}` : ''}]`
    : r.errorTitles.length
      ? ` [${r.errorTitles.join(', ')}]`
      : '';
  switch (r.kind) {
    case 'message': {
      const who = r.from ? ` from ${r.fromType === 'user_id' ? 'user_id ' : ''}${r.from}` : '';
      return `${r.messageType ?? 'message'}${who}${r.text ? `: ${quote(r.text)}` : ''}${errors}`;
    }
    case 'status':
      return `${r.status ?? '?'}${r.recipient ? ` → ${r.recipient}` : ''} ${shortId(r.messageId)}${errors}`.trim();
    case 'error':
      return `error${errors}${r.text ? ` ${quote(r.text)}` : ''}`;
    case 'template':
    case 'account':
      return `${r.field}${r.status ? ` ${r.status}` : ''}${r.text ? ` ${r.text}` : ''}${errors}`;
    default:
      return `${r.field || '(not a Meta envelope)'}`;
  }
}

function flags(e: EventSummary): string {
  const f: string[] = [];
  if (e.signature !== 'valid') f.push(`signature ${e.signature}`);
  if (e.source !== 'webhook') f.push(e.source);
  if (e.duplicateOf) f.push(`duplicate of #${e.duplicateOf}`);
  if (e.duplicates) f.push(`${e.duplicates} duplicate${e.duplicates === 1 ? '' : 's'}`);
  if (e.queued !== 'none') f.push(`redis ${e.queued}`);
  if (e.forward !== 'none') f.push(`forward ${e.forward}`);
  return f.length ? `  (${f.join(', ')})` : '';
}

export function summaryLine(e: EventSummary): string {
  const first = e.records[0];
  const kind = first?.kind ?? 'other';
  const more = e.records.length > 1 ? ` +${e.records.length - 1} more` : '';
  const time = e.receivedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return `#${String(e.id).padEnd(6)} ${time}  ${kind.padEnd(8)} ${first ? recordText(first) : ''}${more}${flags(e)}`;
}

export function detailLines(d: EventDetail): string[] {
  const lines = [
    `Event #${d.id} (${d.source}), received ${d.receivedAt}`,
    `Signature:  ${d.signature}`,
    `Size:       ${d.bodySize} bytes`,
  ];
  if (d.duplicateOf) lines.push(`Duplicate:  of #${d.duplicateOf} (kept, not queued or forwarded)`);
  if (d.duplicates) lines.push(`Duplicates: received ${d.duplicates} more time(s)`);
  lines.push(`Redis:      ${d.queued}${d.streamId ? ` (stream id ${d.streamId})` : ''}`);
  lines.push(`Forward:    ${d.forward}`);
  lines.push('Records:');
  d.records.forEach((r, i) => {
    lines.push(`  ${i + 1}. ${r.kind} ${recordText(r)}`);
    const ids = [
      r.wabaId && `waba ${r.wabaId}`,
      r.phoneNumberId && `phone_number_id ${r.phoneNumberId}`,
      r.messageId,
    ];
    const meta = ids.filter(Boolean).join(', ');
    if (meta) lines.push(`     ${meta}`);
  });
  if (d.attempts.length) {
    lines.push('Attempts:');
    for (const a of d.attempts) {
      const outcome = a.error && a.statusCode === null ? a.error : `HTTP ${a.statusCode}`;
      const ms = a.latencyMs !== null ? ` in ${Math.round(a.latencyMs)} ms` : '';
      lines.push(`  ${a.at}  ${a.target}  ${outcome}${ms}${a.replay ? '  (replay)' : ''}`);
    }
  }
  lines.push('Headers:');
  for (const [k, v] of Object.entries(d.headers)) lines.push(`  ${k}: ${v}`);
  lines.push('Body (exactly as received):', d.body);
  return lines;
}

/** Runs against the host when one runs, else against the store file (list/show need no host). */
function withStore<T>(
  ctx: CliContext,
  online: (client: ControlClient) => Promise<T>,
  offline: (store: EventStore) => T,
): Promise<T> {
  return ctx.withHost(online, async () => {
    // No host: open the store as the host would, applying journaled events it has not stored yet (a crash).
    const { openEventStore } = await import('../../services/webhook/store-open');
    const { store, journal } = await openEventStore(ctx.paths().dataDir);
    try {
      return offline(store);
    } finally {
      await journal.close();
      await store.close();
    }
  });
}

function notFound(id: number): KreoError {
  return new KreoError(
    'EVENT_NOT_FOUND',
    `No stored event has id ${id}.`,
    'List ids with `kreo events list`.',
  );
}

interface ListFlags {
  kind?: string;
  since?: string;
  limit: number;
  from?: string;
  status?: string;
  text?: string;
  messageId?: string;
}

export function register(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('webhook events the listener received and kept');

  events
    .command('list')
    .description('newest events first')
    .addOption(new Option('--kind <kind>', 'only this kind').choices(eventKindSchema.options))
    .option('--since <time>', 'received since: an age (15m, 2h, 7d) or a date (2026-11-28T10:00:00Z)')
    .option('--limit <n>', 'how many (default 50, at most 1000)', parsePositiveInt(1000), 50)
    .option('--from <id>', 'sender or recipient (wa_id or user_id), or phone_number_id')
    .option('--status <status>', 'message status (sent, delivered, read, failed…) or template/account event')
    .option('--text <text>', 'text contained in the message')
    .option('--message-id <wamid>', 'a message id (wamid…)')
    .action(async (o: ListFlags) => {
      const parsed = eventsListInputSchema.safeParse({
        kind: o.kind,
        since: o.since,
        limit: o.limit,
        party: o.from,
        status: o.status,
        text: o.text,
        messageId: o.messageId,
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new KreoError('INVALID_ARGUMENT', `--${String(issue?.path[0] ?? 'option')}: ${issue?.message}`);
      }
      const input = parsed.data;
      const list = await withStore(
        ctx,
        async (client) => (await client.invoke('events:list', input)).events,
        (store) => {
          const { since, ...rest } = input;
          return store.queries.list({ ...rest, sinceMs: since ? parseSince(since) : undefined });
        },
      );
      ctx.out.result({ events: list }, (v) =>
        v.events.length ? v.events.map(summaryLine) : 'No events match. Send one with `kreo trigger text`.',
      );
    });

  events
    .command('show')
    .description('one event: records, attempts, headers and the raw body')
    .argument('<id>', 'event id (from kreo events list)', parseId)
    .option('--raw', 'print only the body, byte for byte (e.g. to edit it and replay with --body-file)')
    .action(async (id: number, o: { raw?: boolean }) => {
      const detail = await withStore(
        ctx,
        (client) => client.invoke('events:get', { id }),
        (store) => {
          const d = store.queries.detail(id);
          if (!d) throw notFound(id);
          return d;
        },
      );
      if (o.raw && !ctx.out.json) {
        ctx.out.raw(detail.body);
        return;
      }
      ctx.out.result(detail, detailLines);
    });

  events
    .command('stats')
    .description('how many events, duplicates, and how many wait for Redis or forwarding')
    .action(async () => {
      const stats = await withStore(
        ctx,
        (client) => client.invoke('events:stats'),
        (store) => {
          const { total, duplicates, perMinute } = store.queries.stats(Date.now());
          const backlog = store.backlog();
          return {
            total,
            duplicates,
            queueBacklog: backlog.redis,
            forwardBacklog: backlog.forward,
            perMinute,
          };
        },
      );
      ctx.out.result(stats, (v) => [
        `Events kept:       ${v.total} (${v.duplicates} duplicate${v.duplicates === 1 ? '' : 's'})`,
        `Last hour:         ${v.perMinute.reduce((n, m) => n + m.count, 0)}`,
        `Waiting for Redis: ${v.queueBacklog}`,
        `Waiting to forward: ${v.forwardBacklog}`,
      ]);
    });

  events
    .command('replay')
    .description('send a stored event to forward.url again, as received or with an edited (re-signed) body')
    .argument('<id>', 'event id', parseId)
    .option('--body-file <file>', 'send this JSON instead (- for stdin); it is re-signed with the app secret')
    .action(async (id: number, o: { bodyFile?: string }) => {
      let body: string | undefined;
      if (o.bodyFile) {
        try {
          body = readFileSync(o.bodyFile === '-' ? 0 : o.bodyFile, 'utf8');
        } catch (err) {
          throw new KreoError(
            'INVALID_ARGUMENT',
            `Cannot read ${o.bodyFile}: ${(err as Error).message}`,
            'Pass a readable JSON file, e.g. from `kreo events show ID --raw > event.json`.',
          );
        }
      }
      const { client } = await ctx.ensureHost();
      const result = await client.invoke('events:replay', body === undefined ? { id } : { id, body });
      if (result.error) ctx.exitCode = 1;
      ctx.out.result(result, (r) =>
        r.error === null
          ? `Replayed event #${id}${r.eventId !== id ? ` (edited, stored as #${r.eventId})` : ''}: HTTP ${r.statusCode}.`
          : `Replay of event #${id} failed: ${r.error}. The attempt is recorded (kreo events show ${r.eventId}).`,
      );
    });
}
