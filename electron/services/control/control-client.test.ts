/**
 * The Node control client's pushed events over a real control server on 127.0.0.1:0: listeners are independent
 * subscriptions (the shared PushListeners), a throwing one does not stop the others, and the socket closes when the
 * last one leaves.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stoppedTunnelStatus } from '../../../shared/domain/tunnel';
import { waitFor } from '../../../test/support/wait';
import { EventBus } from '../core/event-bus';
import { ControlClient } from './control-client';
import { buildControlServer } from './control-server';

const TOKEN = 'client-test-token-0123456789abcdef';
const status = stoppedTunnelStatus('http://127.0.0.1:8000');

describe('ControlClient pushes', () => {
  let app: FastifyInstance;
  let bus: EventBus;
  let client: ControlClient;

  beforeEach(async () => {
    bus = new EventBus();
    app = await buildControlServer({
      invoke: async () => ({ ok: true, value: null }),
      bus,
      token: TOKEN,
      batchIntervalMs: 5,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    client = new ControlClient({ baseUrl: `http://127.0.0.1:${port}`, token: TOKEN });
  });
  afterEach(async () => {
    client.close();
    await app.close();
  });

  it('the same function subscribed twice is two subscriptions; a throwing listener does not stop the others', async () => {
    const seen: string[] = [];
    const fn = (s: { state: string }) => seen.push(s.state);
    const offA = client.on('tunnel:status', fn);
    client.on('tunnel:status', fn);
    client.on('tunnel:status', () => {
      throw new Error('a faulty listener');
    });
    await client.subscribed();
    bus.publish('tunnel:status', status);
    await waitFor(() => seen.length === 2, { timeoutMs: 3000 });

    offA();
    bus.publish('tunnel:status', { ...status, state: 'starting' });
    await waitFor(() => seen.length === 3, { timeoutMs: 3000 });
    expect(seen).toEqual(['stopped', 'stopped', 'starting']);
  });
});
