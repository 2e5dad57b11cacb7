/**
 * The one contract between the host and every client (Electron IPC, the loopback control API, the CLI and the
 * browser bridge). Each request channel has an input and an output schema; each pushed event a payload schema.
 * Adapters parse inputs with these schemas before any service sees them.
 */
import { z } from 'zod';
import { emptySchema } from './domain/common';
import {
  eventDetailSchema,
  eventsListInputSchema,
  eventsStatsSchema,
  eventSummarySchema,
  triggerKindSchema,
} from './domain/events';
import { hostInfoSchema } from './domain/host';
import { logFileSchema, logLineSchema, logsBatchSchema, logsTailInputSchema } from './domain/logs';
import {
  healthReportSchema,
  rateLimitStatusSchema,
  sendResultSchema,
  sendTemplateInputSchema,
  sendTextInputSchema,
  webhookStatusSchema,
} from './domain/meta';
import { settingsSetInputSchema, settingsViewSchema } from './domain/settings';
import { testConnectionResultSchema, tunnelStartOptionsSchema, tunnelStatusSchema } from './domain/tunnel';

const idInput = z.object({ id: z.number().int().min(1) }).strict();

export const requests = {
  'host:info': { input: emptySchema, output: hostInfoSchema },
  /** Asks the host to stop (headless: disposes and exits; desktop: the shell decides, e.g. quits the app). */
  'host:shutdown': { input: emptySchema, output: z.object({ stopping: z.boolean() }) },

  'settings:get': { input: emptySchema, output: settingsViewSchema },
  'settings:set': { input: settingsSetInputSchema, output: settingsViewSchema },
  'settings:generateVerifyToken': { input: emptySchema, output: settingsViewSchema },

  'tunnel:start': { input: tunnelStartOptionsSchema.optional(), output: tunnelStatusSchema },
  'tunnel:stop': { input: emptySchema, output: tunnelStatusSchema },
  'tunnel:restart': {
    input: z
      .object({ port: z.number().int().min(1).max(65535).optional() })
      .strict()
      .optional(),
    output: tunnelStatusSchema,
  },
  'tunnel:status': { input: emptySchema, output: tunnelStatusSchema },
  'tunnel:testConnection': { input: emptySchema, output: testConnectionResultSchema },

  'logs:tail': {
    input: logsTailInputSchema,
    output: z.object({ file: logFileSchema, lines: z.array(logLineSchema) }),
  },

  'events:list': { input: eventsListInputSchema, output: z.object({ events: z.array(eventSummarySchema) }) },
  'events:get': { input: idInput, output: eventDetailSchema },
  'events:replay': {
    input: z
      .object({
        id: z.number().int().min(1),
        body: z
          .string()
          .max(4 * 1024 * 1024)
          .optional(),
      })
      .strict(),
    output: z.object({
      eventId: z.number().int(),
      statusCode: z.number().nullable(),
      error: z.string().nullable(),
    }),
  },
  'events:trigger': {
    input: z.object({ kind: triggerKindSchema, viaTunnel: z.boolean().optional() }).strict(),
    output: z.object({ statusCode: z.number(), eventId: z.number().int().nullable(), target: z.string() }),
  },
  'events:stats': { input: emptySchema, output: eventsStatsSchema },

  'webhook:register': { input: emptySchema, output: webhookStatusSchema },
  'webhook:unregister': { input: emptySchema, output: webhookStatusSchema },
  'webhook:status': { input: emptySchema, output: webhookStatusSchema },

  'health:run': { input: emptySchema, output: healthReportSchema },
  'health:get': { input: emptySchema, output: healthReportSchema.nullable() },

  'send:text': { input: sendTextInputSchema, output: sendResultSchema },
  'send:template': { input: sendTemplateInputSchema, output: sendResultSchema },
  'ratelimit:status': { input: emptySchema, output: rateLimitStatusSchema },
} as const;

export const events = {
  'tunnel:status': tunnelStatusSchema,
  'settings:changed': settingsViewSchema,
  'logs:lines': logsBatchSchema,
  'events:new': z.array(eventSummarySchema),
  'events:updated': z.array(eventSummarySchema),
  'health:changed': healthReportSchema,
  'webhook:status': webhookStatusSchema,
  'ratelimit:status': rateLimitStatusSchema,
  /**
   * Not published by the host: a client bridge whose push connection dropped emits it locally once it is back
   * (browser mode's WebSocket). Pushes in between were missed, so whoever holds pushed state refetches it.
   */
  'connection:restored': z.object({ downMs: z.number().nonnegative() }),
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestInput<C extends RequestChannel> = z.input<(typeof requests)[C]['input']>;
export type ParsedInput<C extends RequestChannel> = z.output<(typeof requests)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.output<(typeof requests)[C]['output']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof events)[E]>;

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

export function isRequestChannel(name: unknown): name is RequestChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}
export function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** What the host implements: one async handler per request channel, receiving parsed input. */
export type Handlers = { [C in RequestChannel]: (input: ParsedInput<C>) => Promise<RequestOutput<C>> };

/** What every client (window.kreo, control client) offers: call a channel, subscribe to an event. */
export interface KreoClient {
  invoke<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** Event pushes that may arrive at a high rate and are batched by transports (arrays are concatenated). */
export const BATCHED_EVENTS: readonly EventChannel[] = ['logs:lines', 'events:new', 'events:updated'];
