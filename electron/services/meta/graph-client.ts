/**
 * The Graph API transport: versioned URLs from settings, bearer tokens (never in URLs or logs), per-call timeouts,
 * zod-validated answers, Meta's errors turned into KreoErrors, and retries with backoff for transient trouble.
 */
import type { z } from 'zod';
import { KreoError } from '../../../shared/errors';
import { backoffDelay } from '../core/backoff';
import type { FetchLike } from '../core/http';
import type { ModuleLogger } from '../logging/types';
import { graphErrorBodySchema, graphErrorToKreo, httpErrorToKreo, isTransient } from './graph-errors';

export interface GraphEndpointConfig {
  /** e.g. https://graph.facebook.com */
  graphBaseUrl: string;
  /** e.g. v26.0 */
  graphApiVersion: string;
}

export interface GraphClientOptions {
  /** Read on every call, so settings changes apply at once. */
  config: () => GraphEndpointConfig;
  fetch?: FetchLike;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /** Extra attempts for transient failures. Default 3. */
  retries?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  logger?: ModuleLogger;
}

export interface GraphRequest<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path below the version, e.g. `/123/subscriptions`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  body?: Record<string, unknown>;
  token: string;
  schema: S;
  /** Safe to repeat after a timeout (GET/DELETE always are). */
  idempotent?: boolean;
  /** Override the number of retries (0 = no retry). */
  retries?: number;
  timeoutMs?: number;
}

const RETRYABLE_NET = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function netCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

export class GraphClient {
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: GraphClientOptions) {
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retries = opts.retries ?? 3;
    this.backoffBaseMs = opts.backoffBaseMs ?? 300;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5_000;
    this.sleep = opts.sleep ?? defaultSleep;
  }

  /** The versioned URL for a path (no token in it). */
  url(path: string, query?: GraphRequest<z.ZodType>['query']): URL {
    const { graphBaseUrl, graphApiVersion } = this.opts.config();
    const base = graphBaseUrl.replace(/\/+$/, '');
    const url = new URL(`${base}/${graphApiVersion}${path.startsWith('/') ? path : `/${path}`}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async request<S extends z.ZodType>(req: GraphRequest<S>): Promise<z.output<S>> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    const maxRetries = req.retries ?? this.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(req);
      } catch (err) {
        const retry = attempt < maxRetries && this.retryable(err, idempotent);
        this.opts.logger?.[retry ? 'warning' : 'debug'](
          {
            method: req.method,
            path: req.path,
            attempt: attempt + 1,
            code: err instanceof KreoError ? err.code : undefined,
            graphCode: err instanceof KreoError ? err.details?.graphCode : undefined,
          },
          retry ? 'Graph API call failed; retrying' : 'Graph API call failed',
        );
        if (!retry) throw err;
        await this.sleep(backoffDelay(attempt + 1, { baseMs: this.backoffBaseMs, maxMs: this.backoffMaxMs }));
      }
    }
  }

  private retryable(err: unknown, idempotent: boolean): boolean {
    if (!(err instanceof KreoError)) return false;
    if (isTransient(err)) return true;
    if (err.details?.network === 'refused') return true;
    if (err.details?.network === 'timeout' || err.details?.network === 'other') return idempotent;
    return false;
  }

  private async once<S extends z.ZodType>(req: GraphRequest<S>): Promise<z.output<S>> {
    const url = this.url(req.path, req.query);
    const started = performance.now();
    const headers: Record<string, string> = {
      authorization: `Bearer ${req.token}`,
      accept: 'application/json',
    };
    if (req.body) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method: req.method,
        headers,
        body: req.body ? JSON.stringify(req.body) : undefined,
        signal: AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw this.networkError(err, url);
    }
    const ms = Math.round(performance.now() - started);
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      // not JSON; handled below
    }
    const asError = graphErrorBodySchema.safeParse(json);
    if (asError.success) {
      const err = graphErrorToKreo(res.status, asError.data);
      this.opts.logger?.info(
        {
          method: req.method,
          path: req.path,
          status: res.status,
          ms,
          graphCode: err.details?.graphCode,
          fbtraceId: err.details?.fbtraceId,
        },
        `Graph API ${req.method} ${req.path} → ${res.status} (Meta code ${String(err.details?.graphCode)})`,
      );
      throw err;
    }
    if (!res.ok || json === undefined) throw httpErrorToKreo(res.status, text.replace(/\s+/g, ' ').trim());
    this.opts.logger?.debug({ method: req.method, path: req.path, status: res.status, ms }, 'Graph API call');
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      throw new KreoError(
        'META_API_ERROR',
        `The Graph API answered ${req.method} ${req.path} in an unexpected shape: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
          .join('; ')}`,
        'Check meta.graphApiVersion; a newer or older version may answer differently.',
        { httpStatus: res.status },
      );
    }
    return parsed.data;
  }

  private networkError(err: unknown, url: URL): KreoError {
    const where = `${url.protocol}//${url.host}`;
    if (isTimeout(err)) {
      return new KreoError(
        'META_UNREACHABLE',
        `The Graph API at ${where} did not answer in time.`,
        'Check the network or meta.graphBaseUrl; the call is retried when it is safe to repeat.',
        { network: 'timeout' },
      );
    }
    const code = netCode(err);
    const refused = code !== undefined && RETRYABLE_NET.has(code) && code !== 'ECONNRESET';
    return new KreoError(
      'META_UNREACHABLE',
      `The Graph API at ${where} could not be reached${code ? ` (${code})` : ''}.`,
      'Check the network connection and meta.graphBaseUrl.',
      { network: refused ? 'refused' : 'other', ...(code ? { errno: code } : {}) },
    );
  }
}
