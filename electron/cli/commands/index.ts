/**
 * Every command module of `kreo`. A domain adds `electron/cli/commands/<domain>.ts` exporting
 * `register(program, ctx)` and one line here.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import * as config from './config';
import * as events from './events';
import * as health from './health';
import * as host from './host';
import * as ngrok from './ngrok';
import * as ratelimit from './ratelimit';
import * as send from './send';
import * as serve from './serve';
import * as trigger from './trigger';
import * as webhook from './webhook';

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export const COMMAND_MODULES: { register: RegisterCommands }[] = [
  serve,
  ngrok,
  config,
  host,
  events,
  trigger,
  webhook,
  health,
  send,
  ratelimit,
];
