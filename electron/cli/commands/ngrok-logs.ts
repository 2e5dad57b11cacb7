/**
 * `kreo ngrok logs [--follow] [--lines N] [--file whatsapp|ngrok|webhook]`: reads the log files directly (no host
 * needed). `--follow` keeps printing new lines until Ctrl-C; with --json it prints one LogLine object per line.
 */
import { Option, type Command } from 'commander';
import { logFileSchema, type LogFile } from '../../../shared/domain/logs';
import { followFile } from '../../services/logging/log-follow';
import { parseLogLines } from '../../services/logging/log-parse';
import { logFilePath, tailLines, tailLogFile, type TailStats } from '../../services/logging/log-tail';
import type { CliContext } from '../context';
import { logLine, parsePositiveInt } from '../format';

export function registerLogs(ngrok: Command, ctx: CliContext): void {
  ngrok
    .command('logs')
    .description('show the last lines of a log file; --follow keeps printing new ones')
    .addOption(
      new Option('--file <name>', 'which log: ngrok (ngrok_manager.log), webhook, whatsapp')
        .choices(logFileSchema.options)
        .default('ngrok'),
    )
    .option('--lines <n>', 'how many lines (default 50)', parsePositiveInt(10_000), 50)
    .option('--follow', 'keep printing new lines until Ctrl-C')
    .action(async (o: { file: LogFile; lines: number; follow?: boolean }) => {
      const { logsDir } = ctx.paths();
      const current = logFilePath(logsDir, o.file);
      const stats: TailStats = { bytesRead: 0, size: 0 };
      let raws = await tailLines(current, o.lines, { stats });
      if (raws.length < o.lines) raws = await tailLogFile(logsDir, o.file, o.lines);
      const lines = parseLogLines(raws, o.file);

      if (!o.follow) {
        ctx.out.result({ file: o.file, path: current, lines }, (v) =>
          v.lines.length ? v.lines.map(logLine) : `(${v.path} has no lines yet)`,
        );
        return;
      }

      const print = (batch: typeof lines) => {
        for (const l of batch) ctx.out.line(ctx.out.json ? JSON.stringify(l) : logLine(l));
      };
      print(lines);
      ctx.out.note(`Following ${current} (Ctrl-C to stop)…`);
      await new Promise<void>((resolve) => {
        const follower = followFile(current, (batch) => print(parseLogLines(batch, o.file)), {
          position: stats.size,
        });
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void follower.dispose().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
