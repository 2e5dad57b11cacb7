/**
 * The discovery file `run/host.json`: how the CLI (and anything else on this machine running as the same user) finds
 * the running host's control API. Written atomically with mode 0600, removed on exit. A live pid does not prove the
 * file is current (pids are reused after a crash or reboot): live-host.ts checks that the pid answers as the host.
 */
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const discoveryInfoSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(16),
  startedAt: z.string(),
  version: z.string(),
  mode: z.enum(['desktop', 'headless']),
});
export type DiscoveryInfo = z.infer<typeof discoveryInfoSchema>;

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes the file atomically (temp file + rename), owner read/write only. */
export function writeDiscoveryFile(file: string, info: DiscoveryInfo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // in case the file existed with wider permissions
  renameSync(tmp, file);
}

/** The parsed file, or null when it is missing or unreadable. Does not check the pid. */
export function readDiscoveryFile(file: string): DiscoveryInfo | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = discoveryInfoSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The file's info when its pid is alive (a cheap first check only: use lookupHost to know a host really runs). */
export function readLiveDiscovery(file: string): DiscoveryInfo | null {
  const info = readDiscoveryFile(file);
  if (!info || !isPidAlive(info.pid)) return null;
  return info;
}

/** Removes the file, but only if it is still ours (same pid and token): a newer host may have replaced it. */
export function removeDiscoveryFile(file: string, owner?: Pick<DiscoveryInfo, 'pid' | 'token'>): boolean {
  if (owner) {
    const current = readDiscoveryFile(file);
    if (current && (current.pid !== owner.pid || current.token !== owner.token)) return false;
  }
  try {
    unlinkSync(file);
    return true;
  } catch {
    return false;
  }
}
