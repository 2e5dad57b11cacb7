import { describe, expect, it } from 'vitest';
import { waitFor } from './wait';

describe('waitFor', () => {
  it('resolves with the first truthy value, sync or async', async () => {
    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? `n=${n}` : null), { everyMs: 1 })).toBe('n=3');
    let m = 0;
    expect(await waitFor(async () => ++m >= 2 && m, { everyMs: 1 })).toBe(2);
  });

  it('fails after the bound, naming what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 30, what: 'the stream to catch up' })).rejects.toThrow(
      'timed out after 30 ms waiting for the stream to catch up',
    );
    let seen = 0;
    await expect(
      waitFor(() => ++seen > 1e9, { timeoutMs: 30, everyMs: 5, what: () => `more than ${seen} checks` }),
    ).rejects.toThrow(/waiting for more than \d+ checks$/);
  });

  it('names the check by its source when no description is given', async () => {
    const got: string[] = [];
    await expect(waitFor(() => got.length === 1, { timeoutMs: 10 })).rejects.toThrow(
      'timed out after 10 ms waiting for got.length === 1',
    );
  });

  it('passes an exception from the check straight through', async () => {
    await expect(
      waitFor(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
  });
});
