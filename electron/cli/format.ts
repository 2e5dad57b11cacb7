/** Human renderings shared by commands: durations, tunnel status, log lines, argument parsers. */
import { InvalidArgumentError } from 'commander';
import type { LogLine } from '../../shared/domain/logs';
import type { TunnelStatus } from '../../shared/domain/tunnel';
import type { SecretView } from '../../shared/settings-schema';

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  parts.push(`${s % 60}s`);
  return parts.slice(0, 2).join(' ');
}

/** commander argParser for a TCP port (usage error, exit 2, when not 1..65535). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError('expected a whole number from 1 to 65535, e.g. 8000');
  return n;
}

export function parsePositiveInt(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > max)
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}`);
    return n;
  };
}

export interface StatusView {
  host: { pid: number; port: number; mode: 'desktop' | 'headless' } | null;
  tunnel: TunnelStatus;
  authtoken: SecretView;
  secretsBackend: 'keychain' | 'file';
}

export function tunnelLines(t: TunnelStatus): string[] {
  const lines = [`Tunnel:      ${t.state}${t.url ? `  ${t.url}` : ''}`];
  lines.push(`Forwards to: ${t.localTarget}`);
  if (t.domain) lines.push(`Domain:      ${t.domain}`);
  if (t.startedAt)
    lines.push(`Started:     ${t.startedAt}${t.uptimeMs !== null ? ` (up ${duration(t.uptimeMs)})` : ''}`);
  if (t.connection) lines.push(`Connection:  ${t.connection}`);
  if (t.lastError) {
    lines.push(`Last error:  ${t.lastError.message}`);
    if (t.lastError.hint) lines.push(`             ${t.lastError.hint}`);
  }
  return lines;
}

export function statusLines(v: StatusView): string[] {
  const lines = tunnelLines(v.tunnel);
  lines.push(
    `Authtoken:   ${v.authtoken.set ? `${v.authtoken.masked} (in the ${v.secretsBackend === 'keychain' ? 'OS keychain' : 'secrets file'})` : 'not set (kreo ngrok configure --authtoken T)'}`,
  );
  lines.push(
    v.host
      ? `Host:        ${v.host.mode}, pid ${v.host.pid}, control port ${v.host.port}`
      : 'Host:        not running (kreo ngrok start starts one)',
  );
  return lines;
}

export function logLine(l: LogLine): string {
  return `${l.time} ${l.level.padEnd(8)} ${l.module ? `[${l.module}] ` : ''}${l.msg}`;
}
