/**
 * `kreo send --to N --text T` or `kreo send --to N --template NAME --language L`: one message through the
 * rate-limited queue (the host's when one runs, shared through Redis when redis.url is set).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { sendTemplateInputSchema, sendTextInputSchema, type SendResult } from '../../../shared/domain/meta';
import { KreoError } from '../../../shared/errors';
import type { CliContext } from '../context';
import { parseFlags, withMeta } from './meta-cli';

interface SendFlags {
  to?: string;
  text?: string;
  template?: string;
  language?: string;
  components?: string;
  previewUrl?: boolean;
}

function readComponents(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new KreoError(
      'INVALID_ARGUMENT',
      `--components: cannot read JSON from ${file}: ${(err as Error).message}`,
      'Pass a file holding the template components array, e.g. [{"type":"body","parameters":[{"type":"text","text":"Ana"}]}].',
    );
  }
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description('send a WhatsApp text or template message, within rateLimit.* limits')
    .requiredOption('--to <number>', 'recipient phone number, country code first (e.g. +5215512345678)')
    .option('--text <text>', 'message text (up to 4096 characters)')
    .option('--template <name>', 'approved template name (e.g. hello_world)')
    .option('--language <code>', 'template language code (e.g. en_US, es)')
    .option('--components <file>', 'JSON file with the template components (- for stdin)')
    .option('--preview-url', 'let WhatsApp preview the first link in the text')
    .action(async (o: SendFlags) => {
      if ((o.text === undefined) === (o.template === undefined)) {
        throw new KreoError(
          'INVALID_ARGUMENT',
          'Give either --text or --template (with --language).',
          'kreo send --to 15551234567 --text "hola"',
        );
      }
      let result: SendResult;
      if (o.text !== undefined) {
        const input = parseFlags(
          sendTextInputSchema,
          { to: o.to, text: o.text, previewUrl: o.previewUrl },
          { to: '--to', text: '--text' },
        );
        result = await withMeta(
          ctx,
          (c) => c.invoke('send:text', input),
          (m) => m.sender.sendText(input),
        );
      } else {
        if (!o.language) throw new KreoError('INVALID_ARGUMENT', '--template needs --language (e.g. en_US).');
        const input = parseFlags(
          sendTemplateInputSchema,
          {
            to: o.to,
            name: o.template,
            language: o.language,
            ...(o.components ? { components: readComponents(o.components) } : {}),
          },
          { to: '--to', name: '--template', language: '--language', components: '--components' },
        );
        result = await withMeta(
          ctx,
          (c) => c.invoke('send:template', input),
          (m) => m.sender.sendTemplate(input),
        );
      }
      ctx.out.result(
        result,
        (r) =>
          `Sent ${r.messageId} to ${r.to}${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''} (waited ${r.queuedMs} ms in the queue).`,
      );
    });
}
