import { describe, expect, it } from 'vitest';
import type { TunnelStatus } from './domain/tunnel';
import { stoppedTunnelStatus } from './domain/tunnel';
import { PushListeners } from './push-listeners';

const status: TunnelStatus = stoppedTunnelStatus('http://127.0.0.1:8000');

describe('PushListeners', () => {
  it('calls the listeners of the event only, and stops after unsubscribe', () => {
    const reg = new PushListeners();
    const got: string[] = [];
    const off = reg.add('tunnel:status', (s) => got.push(s.state));
    reg.add('logs:lines', () => got.push('logs'));
    reg.dispatch('tunnel:status', status);
    expect(got).toEqual(['stopped']);
    off();
    off();
    reg.dispatch('tunnel:status', status);
    expect(got).toEqual(['stopped']);
    expect(reg.size).toBe(1);
  });

  it('the same function subscribed twice is two subscriptions', () => {
    const reg = new PushListeners();
    let calls = 0;
    const fn = () => calls++;
    const offA = reg.add('tunnel:status', fn);
    reg.add('tunnel:status', fn);
    reg.dispatch('tunnel:status', status);
    expect(calls).toBe(2);
    offA();
    reg.dispatch('tunnel:status', status);
    expect(calls).toBe(3);
  });

  it('a listener that throws is reported and does not stop the others', () => {
    const errors: [unknown, string][] = [];
    const reg = new PushListeners({ onListenerError: (err, event) => errors.push([err, event]) });
    const got: number[] = [];
    reg.add('tunnel:status', () => {
      throw new Error('boom');
    });
    reg.add('tunnel:status', () => got.push(1));
    reg.dispatch('tunnel:status', status);
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(1);
    expect(errors[0]![1]).toBe('tunnel:status');
  });

  it('ignores unknown events and non-function listeners, from the wire or from a caller', () => {
    const reg = new PushListeners();
    expect(reg.add('no:such' as never, () => {})).toBeTypeOf('function');
    expect(reg.add('tunnel:status', 'nope' as never)).toBeTypeOf('function');
    expect(reg.size).toBe(0);
    reg.dispatch('no:such', {});
    reg.dispatch(42, {});
    reg.add('tunnel:status', () => {});
    reg.clear();
    expect(reg.size).toBe(0);
  });
});
