/**
 * Properties of the contract's input schemas as the Electron IPC path applies them (bindKreoIpc → dispatchIpc →
 * createInvoke): garbage never reaches a handler, and it is refused with a structured INVALID_ARGUMENT error
 * (`details.issues: [{path, message}]`) that carries no internals. Unknown channels and extra arguments are refused
 * too. The IPC binding is driven through a fake `electron` module, exactly as the app registers it.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_CHANNELS, requests, type Handlers, type RequestChannel } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { resolveAppPaths } from '../../electron/main/app-paths';
import { bindKreoIpc } from '../../electron/main/ipc-bridge';
import { resetFakeElectron, state } from '../../electron/main/testing/fake-electron';
import { IPC_INVOKE } from '../../electron/preload/ipc-channels';
import { createInvoke } from '../../electron/services/host/invoke';
import {
  anyJson,
  anyValue,
  failedResultShape,
  leakedInternals,
  objectWithKeys,
  RUNS,
  schemaKeys,
} from './support';

vi.mock('electron', async () => (await import('../../electron/main/testing/fake-electron')).fakeElectron());

const paths = resolveAppPaths('/opt/kreo/app.asar', { packaged: true });
const PANEL = 'file:///opt/kreo/app.asar/out/renderer/index.html';
const WINDOW_ID = 3;
const trusted = { sender: { id: WINDOW_ID }, senderFrame: { url: PANEL, parent: null } };

let called: { channel: string; input: unknown }[];
let call: (...args: unknown[]) => Promise<Result<unknown>>;

beforeEach(() => {
  called = [];
  // Every channel has a handler that records what it was given; none should run for a refused input.
  const handlers = Object.fromEntries(
    REQUEST_CHANNELS.map((channel) => [
      channel,
      async (input: unknown) => {
        called.push({ channel, input });
        throw new Error('handler reached');
      },
    ]),
  ) as unknown as Handlers;
  bindKreoIpc({
    invoke: createInvoke(handlers),
    renderer: paths.renderer,
    allowedWebContents: () => [WINDOW_ID],
  });
  const handler = state.ipcHandlers.get(IPC_INVOKE)!;
  call = (...args) => handler(trusted, ...args) as Promise<Result<unknown>>;
});
afterEach(() => resetFakeElectron());

const channelArb = fc.constantFrom(...REQUEST_CHANNELS);

/** Inputs shaped like the channel's own (its keys) with garbage values, plus plain garbage. */
function inputFor(channel: RequestChannel) {
  return fc.oneof(anyValue, objectWithKeys(schemaKeys(requests[channel].input)));
}

function expectRefusal(result: Result<unknown>, channel: string) {
  const parsed = failedResultShape.safeParse(result);
  expect(parsed.success, JSON.stringify(result)).toBe(true);
  if (result.ok) return;
  expect(result.error.code).toBe('INVALID_ARGUMENT');
  expect(result.error.message).toContain(channel);
  expect(result.error.hint).toBeTruthy();
  const issues = (result.error.details as { issues?: unknown }).issues;
  expect(Array.isArray(issues) && issues.length > 0).toBe(true);
  for (const issue of issues as { path: unknown; message: unknown }[]) {
    expect(typeof issue.path).toBe('string');
    expect(typeof issue.message).toBe('string');
  }
  const text = JSON.stringify(result);
  expect(leakedInternals(text), text).toBeNull();
  // What went out must survive a JSON round trip unchanged (it crosses IPC and HTTP as JSON).
  expect(JSON.parse(text)).toEqual(result);
}

describe('IPC: contract input schemas against garbage', () => {
  it('refuses every input its schema refuses, before any handler runs, with structured issues', async () => {
    await fc.assert(
      fc.asyncProperty(
        channelArb.chain((channel) => fc.tuple(fc.constant(channel), inputFor(channel))),
        async ([channel, input]) => {
          const valid = requests[channel].input.safeParse(input === undefined ? {} : input).success;
          fc.pre(!valid);
          called = [];
          const result = await call(channel, input);
          expectRefusal(result, channel);
          expect(called).toEqual([]);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('every channel refuses at least the obvious garbage (a string, an array, a number)', async () => {
    for (const channel of REQUEST_CHANNELS) {
      for (const garbage of ['x', [1, 2], 42, true]) {
        const result = await call(channel, garbage);
        expectRefusal(result, channel);
      }
    }
    expect(called).toEqual([]);
  });

  it('answers unknown channel names with NOT_FOUND and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), anyValue), anyJson, async (channel, input) => {
        fc.pre(!(typeof channel === 'string' && (REQUEST_CHANNELS as string[]).includes(channel)));
        const result = await call(channel, input);
        expect(failedResultShape.safeParse(result).success, JSON.stringify(result)).toBe(true);
        expect(result.ok ? '' : result.error.code).toBe('NOT_FOUND');
        // A huge name is not echoed back whole.
        expect(JSON.stringify(result).length).toBeLessThan(400);
      }),
      { numRuns: RUNS },
    );
    expect(called).toEqual([]);
  });

  it('refuses more than one input argument', async () => {
    await fc.assert(
      fc.asyncProperty(
        channelArb,
        fc.array(anyJson, { minLength: 2, maxLength: 4 }),
        async (channel, args) => {
          const result = await call(channel, ...args);
          expect(result.ok ? '' : result.error.code).toBe('BAD_REQUEST');
        },
      ),
      { numRuns: RUNS / 3 },
    );
    expect(called).toEqual([]);
  });

  it('still dispatches a valid input (the refusals above are not a dead path)', async () => {
    const result = await call('events:get', { id: 5 });
    expect(called).toEqual([{ channel: 'events:get', input: { id: 5 } }]);
    // The handler threw a plain Error: it crosses as INTERNAL with no message from inside.
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('handler reached');
  });
});
