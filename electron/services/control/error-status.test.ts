/**
 * The control API answers every error code with the HTTP status the registry (shared/errors.ts) gives it, and the
 * CLI exits 2 exactly for the registry's usage codes: one table, read by both.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ERROR_DEFINITIONS, isErrorCode, type ErrorCode } from '../../../shared/errors';
import { exitCodeFor, EXIT_FAILED, EXIT_USAGE } from '../../cli/output';
import { EventBus } from '../core/event-bus';
import { buildControlServer } from './control-server';

const TOKEN = 'status-test-token-0123456789abcdef';
const CODES = Object.keys(ERROR_DEFINITIONS).filter(isErrorCode);

describe('error code → HTTP status and CLI exit code', () => {
  let app: FastifyInstance;
  beforeEach(async () => {
    // A dispatcher that fails with the code named by the channel.
    app = await buildControlServer({
      invoke: async (channel) => ({ ok: false, error: { code: channel as ErrorCode, message: channel } }),
      bus: new EventBus(),
      token: TOKEN,
    });
  });
  afterEach(() => app.close());

  it('every code gets a 4xx/5xx status from the registry, usage codes a 4xx', () => {
    for (const code of CODES) {
      const def = ERROR_DEFINITIONS[code] as { httpStatus: number; usage?: true };
      expect(def.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(def.httpStatus, code).toBeLessThan(600);
      if (def.usage) expect(def.httpStatus, code).toBeLessThan(500);
    }
  });

  it('the control API answers each failure with its registry status', async () => {
    const seen: Record<string, number> = {};
    for (const code of CODES) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/${code}`,
        headers: { host: '127.0.0.1', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: '{}',
      });
      seen[code] = res.statusCode;
    }
    expect(seen).toEqual(Object.fromEntries(CODES.map((c) => [c, ERROR_DEFINITIONS[c].httpStatus])));
    // Codes the webhook listener answers with keep their meaning here too, and a local write failure is ours (500).
    expect(seen).toMatchObject({
      WEBHOOK_SIGNATURE_INVALID: 401,
      WEBHOOK_PAYLOAD_TOO_LARGE: 413,
      SETTINGS_WRITE_FAILED: 500,
      TUNNEL_BUSY: 409,
      META_API_ERROR: 502,
    });
  });

  it('the CLI exits 2 for the usage codes and 1 for the rest', () => {
    const usage = CODES.filter((c) => exitCodeFor({ code: c, message: '' }) === EXIT_USAGE);
    expect(usage.sort()).toEqual(
      CODES.filter((c) => (ERROR_DEFINITIONS[c] as { usage?: true }).usage).sort(),
    );
    expect(usage.sort()).toEqual(
      [
        'BAD_REQUEST',
        'INVALID_ARGUMENT',
        'SETTINGS_INVALID',
        'SETTINGS_READ_ONLY',
        'SETTINGS_UNKNOWN_KEY',
      ].sort(),
    );
    expect(exitCodeFor({ code: 'TUNNEL_FAILED', message: '' })).toBe(EXIT_FAILED);
  });
});
