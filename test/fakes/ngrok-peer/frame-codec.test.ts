/** muxado codec: header layout against hand-computed bytes, and decoding independent of chunk boundaries. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Flag, FrameDecoder, FrameType, dataFrame, encodeFrame, goAwayFrame, u32Frame } from './frame-codec';

describe('muxado frame codec', () => {
  it('lays out the 8-byte header as the SDK expects', () => {
    expect(dataFrame(2, Buffer.from('hi'), Flag.SYN).toString('hex')).toBe('00000212000000026869');
    expect(u32Frame(FrameType.WNDINC, 5, 0x40000).toString('hex')).toBe('000004200000000500040000');
    expect(u32Frame(FrameType.RST, 7, 4).toString('hex')).toBe('000004000000000700000004');
    // GOAWAY: length counts the 8 fixed bytes plus the message.
    expect(goAwayFrame(9, 1, 'x').toString('hex')).toBe('000009300000000000000009000000017' + '8');
    expect(encodeFrame(FrameType.DATA, Flag.FIN, 0xffffffff).readUInt32BE(4)).toBe(0x7fffffff);
  });

  it('decodes the same frames however the bytes are split', () => {
    const frameArb = fc.record({
      type: fc.constantFrom(FrameType.RST, FrameType.DATA, FrameType.WNDINC),
      flags: fc.integer({ min: 0, max: 3 }),
      streamId: fc.integer({ min: 1, max: 0x7fffffff }),
      body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    });
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 })),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.flags, f.streamId, f.body)));
          const decoder = new FrameDecoder();
          const out = [];
          let off = 0;
          for (const cut of [...cuts, wire.length]) {
            out.push(...decoder.push(wire.subarray(off, Math.min(wire.length, off + cut))));
            off = Math.min(wire.length, off + cut);
          }
          expect(out).toEqual(frames);
        },
      ),
    );
  });
});
