import { describe, expect, it } from 'vitest';
import { EventBus, type BusMessage } from './event-bus';
import { Emitter } from './lifecycle';

describe('Emitter listener errors', () => {
  it('reports a throwing listener to onListenerError with the value, and still calls the others', () => {
    const reported: [unknown, number][] = [];
    const emitter = new Emitter<number>({ onListenerError: (err, value) => reported.push([err, value]) });
    const seen: number[] = [];
    const boom = new Error('listener broke');
    emitter.event(() => {
      throw boom;
    });
    emitter.event((v) => seen.push(v));
    emitter.fire(1);
    emitter.fire(2);
    expect(seen).toEqual([1, 2]);
    expect(reported).toEqual([
      [boom, 1],
      [boom, 2],
    ]);
  });

  it('never throws: without a hook the error is dropped, and a throwing hook is dropped too', () => {
    const silent = new Emitter<string>();
    silent.event(() => {
      throw new Error('x');
    });
    expect(() => silent.fire('a')).not.toThrow();

    const seen: string[] = [];
    const broken = new Emitter<string>({
      onListenerError: () => {
        throw new Error('hook broke');
      },
    });
    broken.event(() => {
      throw new Error('x');
    });
    broken.event((v) => seen.push(v));
    expect(() => broken.fire('b')).not.toThrow();
    expect(seen).toEqual(['b']);
  });

  it('EventBus passes the hook the failing message, so the event can be named', () => {
    const failed: BusMessage[] = [];
    const bus = new EventBus({ onListenerError: (_err, message) => failed.push(message) });
    bus.subscribe((m) => {
      if (m.event === 'logs:lines') throw new Error('transport down');
    });
    bus.publish('events:new', []);
    expect(failed).toEqual([]);
    bus.publish('logs:lines', { file: 'ngrok', lines: [] });
    expect(failed).toEqual([{ event: 'logs:lines', payload: { file: 'ngrok', lines: [] } }]);
  });
});
