/**
 * Every command module of `kreo`. A domain adds `electron/cli/commands/<domain>.ts` exporting
 * `register(program, ctx)` and one line here.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import * as config from './config';
import * as events from './events';
import * as host from './host';
import * as ngrok from './ngrok';
import * as serve from './serve';
import * as trigger from './trigger';

export type RegisterCommands = (program: Command, ctx: CliContext) => void;

export const COMMAND_MODULES: { register: RegisterCommands }[] = [
  serve,
  ngrok,
  config,
  host,
  events,
  trigger,
];
