/**
 * Answers the SDK's typed streams: heartbeat echo, and the Auth / Bind / Unbind JSON RPCs (one JSON request, one
 * JSON reply, then FIN). Errors follow ngrok's shape: the message, a blank line, then `ERR_NGROK_NNN` on its own line.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { MuxSession } from './mux-session';
import type { MuxStream } from './mux-stream';
import type { PeerRegistry } from './registry';

export const StreamType = {
  Auth: 0,
  Bind: 1,
  Unbind: 2,
  Proxy: 3,
  BindLabeled: 7,
  Heartbeat: 0xffffffff,
} as const;

const authRequest = z.looseObject({
  ClientId: z.string().default(''),
  Extra: z.looseObject({ AuthToken: z.string().default('') }),
});
const bindRequest = z.looseObject({
  Id: z.string().default(''),
  Proto: z.string(),
  Opts: z.looseObject({ Domain: z.string().default('') }),
  Extra: z.looseObject({ Token: z.string().optional() }).optional(),
});
const unbindRequest = z.looseObject({ Id: z.string() });

const MESSAGES: Record<string, string> = {
  ERR_NGROK_107: 'The authtoken you specified is properly formed, but it is invalid.',
  ERR_NGROK_4018: 'Usage of ngrok requires a verified account and authtoken.',
};

export function ngrokError(message: string, code?: string): { Error: string } {
  return { Error: code ? `${message}\r\n\r\n${code}\r\n` : message };
}

/** Per-connection state: the session and whether Auth succeeded. */
export interface SessionContext {
  session: MuxSession;
  clientId: string | null;
  log: (line: string) => void;
}

export function handleTypedStream(
  ctx: SessionContext,
  registry: PeerRegistry,
  stream: MuxStream,
  type: number,
): void {
  if (type === StreamType.Heartbeat) {
    stream.on('data', (beat: Buffer) => stream.write(beat));
    stream.on('end', () => stream.end());
    return;
  }
  const rpc = RPCS[type];
  if (!rpc) {
    ctx.log(`stream type ${type} not supported; dropping it`);
    stream.destroy();
    return;
  }
  readJson(stream).then(
    (request) => {
      let reply: unknown;
      try {
        reply = rpc(ctx, registry, request);
      } catch (err) {
        reply = ngrokError(`bad rpc request: ${err instanceof Error ? err.message : String(err)}`);
      }
      stream.end(JSON.stringify(reply));
    },
    () => stream.destroy(),
  );
}

type Rpc = (ctx: SessionContext, registry: PeerRegistry, request: unknown) => unknown;

const RPCS: Record<number, Rpc> = {
  [StreamType.Auth]: (ctx, registry, request) => {
    const req = authRequest.parse(request);
    const refusal = registry.checkToken(req.Extra.AuthToken);
    if (refusal) {
      ctx.log(`auth refused: ${refusal}`);
      return ngrokError(MESSAGES[refusal] ?? 'authentication failed', refusal);
    }
    ctx.clientId = req.ClientId || `sess_${randomBytes(8).toString('hex')}`;
    registry.addSession(ctx.session);
    ctx.log(`auth ok, session ${ctx.clientId}`);
    return { Version: '3', ClientId: ctx.clientId, Extra: { Region: 'local', Cookie: '' } };
  },
  [StreamType.Bind]: (ctx, registry, request) => {
    if (!ctx.clientId) return ngrokError('bind before auth');
    const req = bindRequest.parse(request);
    const result = registry.bind(req.Id, req.Opts.Domain, req.Proto, ctx.session);
    if ('conflict' in result) {
      ctx.log(`bind refused: ${result.conflict} already online`);
      return ngrokError(
        `The endpoint 'https://${result.conflict}' is already online. Either\r\n` +
          '1. stop your existing endpoint first, or\r\n2. start both endpoints with `--pooling-enabled`',
        'ERR_NGROK_334',
      );
    }
    ctx.log(`bound ${result.id} -> ${result.url}`);
    return {
      Id: result.id,
      URL: result.url,
      Proto: req.Proto,
      Opts: req.Opts,
      Extra: { Token: `tok_${result.id}` },
    };
  },
  [StreamType.Unbind]: (ctx, registry, request) => {
    const req = unbindRequest.parse(request);
    registry.unbind(req.Id, ctx.session);
    ctx.log(`unbound ${req.Id}`);
    return {};
  },
  [StreamType.BindLabeled]: () => ngrokError('labeled listeners are not supported by this test peer'),
};

/** Collects a stream until its bytes parse as one JSON value (the SDK sends no delimiter and no FIN). */
function readJson(stream: MuxStream): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        stream.off('data', onData);
        stream.off('end', onEnd);
        resolve(value);
      } catch {
        // incomplete: wait for more
      }
    };
    const onEnd = (): void => reject(new Error('rpc stream ended before a JSON value'));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onEnd);
  });
}
