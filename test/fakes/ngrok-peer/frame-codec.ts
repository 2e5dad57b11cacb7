/**
 * muxado frame codec: an 8-byte big-endian header (u24 body length, type<<4|flags, u31 stream id) then the body.
 * See shared/reference/ngrok-protocol.md §2.
 */

export const FrameType = { RST: 0, DATA: 1, WNDINC: 2, GOAWAY: 3 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

export const Flag = { FIN: 0x1, SYN: 0x2 } as const;

export const ErrorCode = { None: 0, Protocol: 1, FlowControl: 3, StreamClosed: 4 } as const;

export const HEADER_LEN = 8;
export const MAX_BODY = 0xffffff;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  body: Buffer;
}

export function encodeFrame(
  type: FrameType,
  flags: number,
  streamId: number,
  body: Buffer = Buffer.alloc(0),
): Buffer {
  if (body.length > MAX_BODY) throw new RangeError(`muxado body too long: ${body.length}`);
  const out = Buffer.allocUnsafe(HEADER_LEN + body.length);
  out.writeUIntBE(body.length, 0, 3);
  out.writeUInt8(((type & 0xf) << 4) | (flags & 0xf), 3);
  out.writeUInt32BE(streamId & 0x7fffffff, 4);
  body.copy(out, HEADER_LEN);
  return out;
}

export const dataFrame = (id: number, body: Buffer, flags = 0): Buffer =>
  encodeFrame(FrameType.DATA, flags, id, body);

export function u32Frame(
  type: typeof FrameType.RST | typeof FrameType.WNDINC,
  id: number,
  value: number,
): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt32BE(value >>> 0);
  return encodeFrame(type, 0, id, body);
}

export function goAwayFrame(lastStreamId: number, code: number, message = ''): Buffer {
  const msg = Buffer.from(message, 'utf8');
  const body = Buffer.alloc(8 + msg.length);
  body.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  body.writeUInt32BE(code >>> 0, 4);
  msg.copy(body, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, body);
}

/** Accumulates socket bytes and yields whole frames; frame boundaries never depend on chunk boundaries. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.buf.length >= HEADER_LEN) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < HEADER_LEN + len) break;
      const b3 = this.buf.readUInt8(3);
      frames.push({
        type: b3 >> 4,
        flags: b3 & 0xf,
        streamId: this.buf.readUInt32BE(4) & 0x7fffffff,
        body: Buffer.from(this.buf.subarray(HEADER_LEN, HEADER_LEN + len)),
      });
      this.buf = this.buf.subarray(HEADER_LEN + len);
    }
    return frames;
  }
}
