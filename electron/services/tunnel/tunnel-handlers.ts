/** The tunnel's request handlers for the contract (IPC, control API): inputs arrive already parsed. */
import type { Handlers } from '../../../shared/contract';
import type { TunnelService } from './types';

export type TunnelHandlers = Pick<
  Handlers,
  'tunnel:start' | 'tunnel:stop' | 'tunnel:restart' | 'tunnel:status' | 'tunnel:testConnection'
>;

export function tunnelHandlers(tunnel: TunnelService): TunnelHandlers {
  return {
    'tunnel:start': (input) => tunnel.start(input ?? {}),
    'tunnel:stop': () => tunnel.stop(),
    'tunnel:restart': (input) => tunnel.restart(input ?? {}),
    'tunnel:status': async () => tunnel.status(),
    'tunnel:testConnection': () => tunnel.testConnection(),
  };
}
