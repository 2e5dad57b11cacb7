/** How a delivery is written in an ingest-journal frame: compact meta (JSON) beside the raw body. */
import type { JournaledDelivery } from './event-store';
import type { FrameMeta, JournalFrame } from './journal-format';
import type { DeliverySource } from './store-rows';

export function toFrameMeta(r: JournaledDelivery): FrameMeta {
  return {
    id: r.id,
    at: r.receivedAt,
    src: r.source,
    sig: r.signature,
    ct: r.contentType,
    h: r.headers,
    t: [r.targets.redis, r.targets.forward],
    dd: r.dedupe,
  };
}

export function fromFrame(f: JournalFrame): JournaledDelivery {
  const m = f.meta;
  const [redis, forward] = (m.t as [boolean, boolean] | undefined) ?? [false, false];
  return {
    id: m.id as number,
    receivedAt: m.at as number,
    source: m.src as DeliverySource,
    signature: m.sig as JournaledDelivery['signature'],
    contentType: m.ct as string,
    headers: m.h as Record<string, string>,
    targets: { redis, forward },
    dedupe: m.dd !== false,
    body: f.body,
  };
}
