/**
 * The peer's side of one muxado session over a TLS socket: routes frames to streams, accepts the client's typed
 * streams (odd ids, SYN) and opens its own (even ids from 2).
 */
import type { Duplex } from 'node:stream';
import { ErrorCode, Flag, FrameDecoder, FrameType, goAwayFrame, u32Frame, type Frame } from './frame-codec';
import { MuxStream, readExactly, type FrameSink } from './mux-stream';

export type TypedStreamHandler = (stream: MuxStream, type: number) => void;

export class MuxSession implements FrameSink {
  private readonly decoder = new FrameDecoder();
  private readonly streams = new Map<number, MuxStream>();
  private nextId = 2;
  private isClosed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly socket: Duplex,
    private readonly onTypedStream: TypedStreamHandler,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  onClose(listener: () => void): void {
    if (this.isClosed) listener();
    else this.closeListeners.push(listener);
  }

  send(frame: Buffer): void {
    if (!this.isClosed) this.socket.write(frame);
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Opens a peer-initiated stream; SYN rides on its first write. */
  openStream(preamble?: Buffer): MuxStream {
    const stream = new MuxStream(this.nextId, this, true, preamble);
    this.streams.set(this.nextId, stream);
    this.nextId += 2;
    return stream;
  }

  /** Destroys the transport: the client sees the connection drop and reconnects. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.destroy();
    for (const stream of [...this.streams.values()]) stream.destroy(new Error('muxado session closed'));
    this.streams.clear();
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.decoder.push(chunk)) {
      if (this.isClosed) return;
      this.dispatch(frame);
    }
  }

  private dispatch(frame: Frame): void {
    const stream = this.streams.get(frame.streamId);
    switch (frame.type) {
      case FrameType.DATA:
        return this.onData(frame, stream);
      case FrameType.WNDINC:
        if (frame.body.length === 4) stream?.onWindow(frame.body.readUInt32BE(0));
        return;
      case FrameType.RST:
        if (frame.body.length === 4) stream?.onReset(frame.body.readUInt32BE(0));
        return;
      case FrameType.GOAWAY:
        // The SDK's own GOAWAY is malformed (length 8 short); either way the session is over.
        return this.close();
      default:
        this.send(goAwayFrame(0, ErrorCode.Protocol, 'invalid frame type'));
        return this.close();
    }
  }

  private onData(frame: Frame, existing: MuxStream | undefined): void {
    const fin = (frame.flags & Flag.FIN) !== 0;
    let stream = existing;
    if (!stream) {
      if ((frame.flags & Flag.SYN) === 0) {
        // Unknown id: data gets RST StreamClosed; an empty FIN (after we forgot a stream) is ignored.
        if (frame.body.length) this.send(u32Frame(FrameType.RST, frame.streamId, ErrorCode.StreamClosed));
        return;
      }
      stream = this.acceptStream(frame.streamId);
    } else if (stream.remoteFinished && frame.body.length) {
      this.send(u32Frame(FrameType.RST, frame.streamId, ErrorCode.StreamClosed));
      return;
    }
    stream.onData(frame.body, fin);
  }

  private acceptStream(id: number): MuxStream {
    const stream = new MuxStream(id, this, false);
    this.streams.set(id, stream);
    stream.on('error', () => undefined);
    readExactly(stream, 4).then(
      (typeBytes) => this.onTypedStream(stream, typeBytes.readUInt32BE(0)),
      () => stream.destroy(),
    );
    return stream;
  }
}
