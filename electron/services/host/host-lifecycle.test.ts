import { describe, expect, it } from 'vitest';
import { DisposableStore } from '../core/lifecycle';
import { startParts, type HostPart } from './host-lifecycle';

function recorder() {
  const calls: string[] = [];
  const part = (name: string, extra: Partial<HostPart> = {}): HostPart => ({
    name,
    start: async () => {
      calls.push(`start ${name}`);
    },
    dispose: async () => {
      calls.push(`dispose ${name}`);
    },
    ...extra,
  });
  return { calls, part };
}

describe('startParts', () => {
  it('starts in order and the store disposes in reverse', async () => {
    const { calls, part } = recorder();
    const store = new DisposableStore();
    const failures = await startParts(
      [part('settings'), part('logging'), part('tunnel'), part('control')],
      store,
    );
    expect(failures).toEqual([]);
    await store.dispose();
    expect(calls).toEqual([
      'start settings',
      'start logging',
      'start tunnel',
      'start control',
      'dispose control',
      'dispose tunnel',
      'dispose logging',
      'dispose settings',
    ]);
  });

  it('a critical failure disposes what started (the failed part too) and rethrows', async () => {
    const { calls, part } = recorder();
    const store = new DisposableStore();
    const boom = new Error('port in use');
    const parts = [
      part('settings'),
      part('logging'),
      part('control', {
        start: async () => {
          calls.push('start control');
          throw boom;
        },
      }),
      part('never'),
    ];
    await expect(startParts(parts, store)).rejects.toBe(boom);
    expect(calls).toEqual([
      'start settings',
      'start logging',
      'start control',
      'dispose control',
      'dispose logging',
      'dispose settings',
    ]);
  });

  it('a non-critical failure is reported and the others still start', async () => {
    const { calls, part } = recorder();
    const store = new DisposableStore();
    const failed: string[] = [];
    const failures = await startParts(
      [
        part('settings'),
        part('webhook', {
          critical: false,
          start: async () => {
            throw new Error('EADDRINUSE');
          },
        }),
        part('control'),
      ],
      store,
      { onFailed: (f) => failed.push(f.name) },
    );
    expect(failures.map((f) => f.name)).toEqual(['webhook']);
    expect(failed).toEqual(['webhook']);
    expect(calls).toEqual(['start settings', 'start control']);
    await store.dispose();
    expect(calls.slice(2)).toEqual(['dispose control', 'dispose webhook', 'dispose settings']);
  });
});
