/** A bounded history of the outbound rate limiter's samples (rate, limit, queue), for the send-rate chart. */
import type { RateLimitStatus } from '../../../shared/domain/meta';
import { StoreSignal } from '../lib/use-store';

export interface RateSample {
  t: number;
  rate: number;
  limit: number;
  queueDepth: number;
}

export class RateHistory extends StoreSignal {
  private samples: RateSample[] = [];
  latest: RateLimitStatus | null = null;

  constructor(
    private readonly max = 300,
    /** Samples closer together than this replace the previous one (a push and a poll at once). */
    private readonly minGapMs = 250,
  ) {
    super();
  }

  add(status: RateLimitStatus, t = Date.now()): void {
    this.latest = status;
    const sample: RateSample = {
      t,
      rate: status.currentRate,
      limit: status.messagesPerSecond,
      queueDepth: status.queueDepth,
    };
    const last = this.samples[this.samples.length - 1];
    if (last && t - last.t < this.minGapMs) this.samples[this.samples.length - 1] = sample;
    else this.samples.push(sample);
    if (this.samples.length > this.max) this.samples.splice(0, this.samples.length - this.max);
    this.changed();
  }

  list(): readonly RateSample[] {
    return this.samples;
  }
}
