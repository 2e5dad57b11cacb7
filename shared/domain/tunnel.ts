/** Tunnel domain types: the state machine's states, start options, status and the round-trip test. */
import { z } from 'zod';
import { errorInfoSchema } from './common';

export const tunnelStateSchema = z.enum(['stopped', 'starting', 'online', 'stopping', 'error']);
export type TunnelState = z.infer<typeof tunnelStateSchema>;

const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * ngrok's default base domain for free static domains. The SDK ignores `subdomain`, so a bare label is requested
 * as the full domain `<label>.ngrok-free.app` (accounts created later may own `*.ngrok-free.dev`: pass that in full).
 */
export const NGROK_DEFAULT_BASE_DOMAIN = 'ngrok-free.app';

/** A bare label becomes `<label>.ngrok-free.app`; a full domain is kept (lower-cased); '' means none. */
export function requestedDomain(nameOrDomain: string | undefined | null): string | null {
  const v = (nameOrDomain ?? '').trim().toLowerCase().replace(/\.$/, '');
  if (!v) return null;
  return v.includes('.') ? v : `${v}.${NGROK_DEFAULT_BASE_DOMAIN}`;
}
const domain =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export const tunnelStartOptionsSchema = z
  .object({
    /** Local port the tunnel forwards to; defaults to `server.port`. */
    port: z.number().int().min(1).max(65535).optional(),
    /** Full domain reserved on the ngrok account. */
    domain: z.string().regex(domain, 'a full domain such as my-app.ngrok-free.app').optional(),
    /** Bare label; becomes `<label>.<ngrok default base domain>`. */
    subdomain: z.string().regex(label, 'a bare name such as my-app (letters, digits and -)').optional(),
    /** One-off authtoken: used for this start, never saved. */
    authtoken: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[A-Za-z0-9_-]+$/)
      .optional(),
  })
  .strict()
  .refine((o) => !(o.domain && o.subdomain), { message: 'give --domain or --subdomain, not both' });
export type TunnelStartOptions = z.infer<typeof tunnelStartOptionsSchema>;

/** How many connection changes a status keeps (the most recent ones). */
export const MAX_CONNECTION_CHANGES = 50;

export const connectionChangeSchema = z.object({
  at: z.string(),
  status: z.enum(['connected', 'disconnected', 'reconnecting']),
  detail: z.string().optional(),
});

export const tunnelStatusSchema = z.object({
  state: tunnelStateSchema,
  url: z.string().nullable(),
  /** Where public traffic goes, e.g. http://127.0.0.1:8000 */
  localTarget: z.string(),
  /** The domain requested (from options or settings), or null for a random one. */
  domain: z.string().nullable(),
  startedAt: z.string().nullable(),
  uptimeMs: z.number().nullable(),
  lastError: errorInfoSchema.nullable(),
  /** Session connectivity as reported by the SDK. */
  connection: z.enum(['connected', 'reconnecting']).nullable(),
  connectionChanges: z.array(connectionChangeSchema),
});
export type TunnelStatus = z.infer<typeof tunnelStatusSchema>;

/** The status of a tunnel that is not running (never started, stopped, or no host runs it): no URL, no session. */
export function stoppedTunnelStatus(localTarget: string, domain: string | null = null): TunnelStatus {
  return {
    state: 'stopped',
    url: null,
    localTarget,
    domain,
    startedAt: null,
    uptimeMs: null,
    lastError: null,
    connection: null,
    connectionChanges: [],
  };
}

export const testConnectionResultSchema = z.object({
  ok: z.boolean(),
  url: z.string().nullable(),
  statusCode: z.number().nullable(),
  roundTripMs: z.number().nullable(),
  challengeMatched: z.boolean(),
  error: errorInfoSchema.nullable(),
});
export type TestConnectionResult = z.infer<typeof testConnectionResultSchema>;
