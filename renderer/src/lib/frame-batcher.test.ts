import { describe, expect, it } from 'vitest';
import { FrameBatcher, type Scheduler } from './frame-batcher';

/** A scheduler driven by hand: `frame()` runs what was scheduled, like one animation frame. */
function manualScheduler() {
  let queued: (() => void)[] = [];
  const schedule: Scheduler = (run) => {
    queued.push(run);
    return () => {
      queued = queued.filter((r) => r !== run);
    };
  };
  return {
    schedule,
    pending: () => queued.length,
    frame() {
      const runs = queued;
      queued = [];
      for (const r of runs) r();
    },
  };
}

describe('FrameBatcher', () => {
  it('hands everything pushed during a frame over in one call, in order', () => {
    const s = manualScheduler();
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((items) => flushed.push(items), s.schedule);
    for (let i = 0; i < 5000; i++) b.push([i]);
    b.push([5000, 5001]);
    expect(s.pending()).toBe(1);
    expect(flushed).toEqual([]);
    s.frame();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(5002);
    expect(flushed[0]!.slice(0, 3)).toEqual([0, 1, 2]);
    b.push([9]);
    s.frame();
    expect(flushed).toEqual([flushed[0], [9]]);
  });

  it('schedules nothing for empty pushes and drops pending items on dispose', () => {
    const s = manualScheduler();
    const flushed: number[][] = [];
    const b = new FrameBatcher<number>((items) => flushed.push(items), s.schedule);
    b.push([]);
    expect(s.pending()).toBe(0);
    b.push([1]);
    b.dispose();
    expect(s.pending()).toBe(0);
    s.frame();
    expect(flushed).toEqual([]);
    b.push([2]);
    s.frame();
    expect(flushed).toEqual([[2]]);
  });
});
