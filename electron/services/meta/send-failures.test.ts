import { describe, expect, it } from 'vitest';
import { KreoError } from '../../../shared/errors';
import { graphErrorToKreo } from './graph-errors';
import { failureAction, ThrottleGovernor } from './send-failures';

const limits = { maxAttempts: 3, maxThrottleRetries: 2, pairHoldMs: 100 };
const meta = (code: number, status = 400) =>
  graphErrorToKreo(status, { error: { message: `code ${code}`, code } });

describe('failureAction', () => {
  it('fails a refused message at once, as SEND_FAILED', () => {
    const a = failureAction(meta(132001), { attempts: 1, throttles: 0 }, limits);
    expect(a).toMatchObject({ kind: 'fail', throttle: false, graphCode: 132001 });
    expect((a as { error: KreoError }).error.code).toBe('SEND_FAILED');
    const auth = failureAction(meta(190, 401), { attempts: 1, throttles: 0 }, limits);
    expect((auth as { error: KreoError }).error.code).toBe('META_AUTH_FAILED');
  });

  it('retries transient trouble with a growing backoff until the attempts run out', () => {
    const refused = new KreoError('META_UNREACHABLE', 'refused', undefined, { network: 'refused' });
    const first = failureAction(refused, { attempts: 1, throttles: 0 }, limits);
    expect(first.kind).toBe('retry');
    const ms = (first as { ms: number }).ms;
    expect(ms >= 250 && ms <= 500).toBe(true);
    expect(failureAction(meta(2, 500), { attempts: 2, throttles: 0 }, limits).kind).toBe('retry');
    expect(failureAction(meta(2, 500), { attempts: 3, throttles: 0 }, limits).kind).toBe('fail');
    // A timeout is not repeated: Meta may have sent the message.
    const timeout = new KreoError('META_UNREACHABLE', 'slow', undefined, { network: 'timeout' });
    expect(failureAction(timeout, { attempts: 1, throttles: 0 }, limits).kind).toBe('fail');
  });

  it('retries throttling answers without using up attempts, within their own bound', () => {
    expect(failureAction(meta(130429), { attempts: 5, throttles: 0 }, limits)).toMatchObject({
      kind: 'throttled',
      code: 130429,
      throttle: true,
    });
    expect(failureAction(meta(80007), { attempts: 9, throttles: 2 }, limits)).toMatchObject({
      kind: 'fail',
      throttle: true,
    });
  });

  it('holds one recipient after the pair limit, longer each time', () => {
    expect(failureAction(meta(131056), { attempts: 1, throttles: 0 }, limits)).toMatchObject({
      kind: 'hold',
      ms: 100,
    });
    expect(failureAction(meta(131056), { attempts: 2, throttles: 1 }, limits)).toMatchObject({
      kind: 'hold',
      ms: 200,
    });
  });
});

describe('ThrottleGovernor', () => {
  it('doubles the pause while throttling continues, up to its cap, and starts over after a delivery', () => {
    let now = 1_000;
    const g = new ThrottleGovernor({ pauseMs: 100, pauseMaxMs: 300, now: () => now });
    const pauses = [1, 2, 3, 4].map(() => g.penalize(10).pauseMs);
    expect(pauses).toEqual([100, 200, 300, 300]);
    g.delivered();
    now += 1;
    expect(g.penalize(10).pauseMs).toBe(100);
  });

  it('lowers the rate to 70 % and climbs back over recoverMs', () => {
    let now = 1_000;
    const g = new ThrottleGovernor({ recoverMs: 1_000, now: () => now });
    expect(g.rate(10)).toBe(10);
    g.penalize(10);
    expect(g.rate(10)).toBeCloseTo(7);
    now += 500;
    expect(g.rate(10)).toBeCloseTo(8.5);
    g.penalize(10);
    expect(g.rate(10)).toBeCloseTo(5.95);
    now += 5_000;
    expect(g.rate(10)).toBe(10);
  });

  it('takes no new penalty for sends granted before the last one', () => {
    let now = 1_000;
    const g = new ThrottleGovernor({ now: () => now });
    expect(g.isNews(500)).toBe(true);
    g.penalize(10);
    expect(g.isNews(999)).toBe(false);
    now += 10;
    expect(g.isNews(1_005)).toBe(true);
  });
});
