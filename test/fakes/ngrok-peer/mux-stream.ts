/**
 * One muxado stream as a Node Duplex. Writes respect the remote's 256 KiB window (waiting for WNDINC), reads
 * return WNDINC as the consumer drains them, end() sends DATA+FIN, destroy() sends RST unless both sides ended.
 */
import { Duplex } from 'node:stream';
import { ErrorCode, Flag, FrameType, dataFrame, u32Frame } from './frame-codec';

/** muxado's fixed per-stream window (not negotiated). */
export const INITIAL_WINDOW = 0x40000;
const MAX_DATA_FRAME = 16 * 1024;

export interface FrameSink {
  send(frame: Buffer): void;
  forget(id: number): void;
  readonly closed: boolean;
}

export class MuxStream extends Duplex {
  private sendWindow = INITIAL_WINDOW;
  private ungranted = 0;
  private resumeWrite: (() => void) | null = null;
  private localEnded = false;
  private remoteEnded = false;
  private remoteReset = false;

  constructor(
    readonly id: number,
    private readonly sink: FrameSink,
    private synPending: boolean,
    /** Bytes sent in the same frame as the first write (a Proxy stream's type + header). */
    private preamble: Buffer | null = null,
  ) {
    super({ allowHalfOpen: true });
  }

  // Called by the session for frames on this id.
  onData(body: Buffer, fin: boolean): void {
    if (this.remoteEnded) return;
    if (body.length) {
      this.ungranted += body.length;
      if (this.push(body)) this.grant();
    }
    if (fin) {
      this.remoteEnded = true;
      this.push(null);
      this.maybeForget();
    }
  }

  onWindow(increment: number): void {
    // ACK nudge: the SDK's socket uses Nagle, so its next small frame waits for our TCP ACK, which Linux delays by
    // ~40 ms. An empty DATA frame (a no-op for muxado readers) carries that ACK at once: ~45 ms -> ~3 ms a request.
    if (increment > 0 && !this.synPending && !this.localEnded && !this.destroyed && !this.sink.closed) {
      this.sink.send(dataFrame(this.id, Buffer.alloc(0)));
    }
    this.sendWindow += increment;
    const resume = this.resumeWrite;
    this.resumeWrite = null;
    resume?.();
  }

  onReset(code: number): void {
    this.remoteReset = true;
    this.destroy(new Error(`muxado stream ${this.id} reset by the client (code ${code})`));
  }

  get remoteFinished(): boolean {
    return this.remoteEnded;
  }

  // Socket-like no-ops so node:http's client can run over this stream.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {
    this.grant();
  }

  override _write(data: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const chunk = this.takePreamble(data);
    let off = 0;
    const pump = (): void => {
      while (off < chunk.length) {
        if (this.sink.closed || this.destroyed) return done(new Error('muxado session closed'));
        if (this.sendWindow <= 0) {
          this.resumeWrite = pump;
          return;
        }
        const n = Math.min(chunk.length - off, this.sendWindow, MAX_DATA_FRAME);
        this.sendData(chunk.subarray(off, off + n), 0);
        this.sendWindow -= n;
        off += n;
      }
      done();
    };
    pump();
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.sink.closed) this.sendData(this.takePreamble(Buffer.alloc(0)), Flag.FIN);
    this.localEnded = true;
    this.maybeForget();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const finished = this.localEnded && this.remoteEnded;
    if (!finished && !this.remoteReset && !this.sink.closed && !this.synPending) {
      this.sink.send(u32Frame(FrameType.RST, this.id, ErrorCode.StreamClosed));
    }
    this.resumeWrite = null;
    this.sink.forget(this.id);
    done(err);
  }

  private takePreamble(data: Buffer): Buffer {
    const preamble = this.preamble;
    this.preamble = null;
    return preamble ? Buffer.concat([preamble, data]) : data;
  }

  private sendData(body: Buffer, flags: number): void {
    if (this.synPending) flags |= Flag.SYN;
    this.synPending = false;
    this.sink.send(dataFrame(this.id, body, flags));
  }

  private grant(): void {
    if (this.ungranted > 0 && !this.sink.closed && !this.remoteEnded) {
      this.sink.send(u32Frame(FrameType.WNDINC, this.id, this.ungranted));
    }
    this.ungranted = 0;
  }

  private maybeForget(): void {
    if (this.localEnded && this.remoteEnded) this.sink.forget(this.id);
  }
}

/** Reads exactly n bytes from a stream (leaving the rest buffered); rejects if it ends first. */
export function readExactly(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tryRead = (): void => {
      const buf = stream.read(n) as Buffer | null;
      if (!buf) return;
      cleanup();
      if (buf.length === n) resolve(buf);
      else reject(new Error(`stream ended before ${n} bytes`));
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended before ${n} bytes`));
    };
    const cleanup = (): void => {
      stream.off('readable', tryRead);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
      stream.off('close', onEnd);
    };
    stream.on('readable', tryRead);
    stream.on('end', onEnd);
    stream.on('error', onEnd);
    stream.on('close', onEnd);
    tryRead();
  });
}
