/**
 * The secrets file used when no OS keychain is available: a flat JSON map `{ "<setting key>": "<secret>" }`,
 * owner-only (0600), written atomically (temp file created 0600, then renamed over the old one).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const SECRETS_FILE_MODE = 0o600;

const secretsFileSchema = z.record(z.string(), z.string());

export interface SecretsFileRead {
  secrets: Record<string, string>;
  /** Set when the file was unreadable and has been moved aside (path of the backup). */
  corruptBackup?: string;
  /** Set when the mode had drifted from 0600 and was fixed. */
  modeFixed?: boolean;
}

export function corruptName(file: string, now = new Date()): string {
  return `${file}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
}

/** Reads the file (missing → empty), fixing its mode and moving a corrupt file aside. */
export function readSecretsFile(file: string): SecretsFileRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { secrets: {} };
    throw err;
  }
  const result: SecretsFileRead = { secrets: {} };
  if (process.platform !== 'win32' && (statSync(file).mode & 0o777) !== SECRETS_FILE_MODE) {
    chmodSync(file, SECRETS_FILE_MODE);
    result.modeFixed = true;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const checked = secretsFileSchema.safeParse(parsed);
  if (!checked.success) {
    const backup = corruptName(file);
    renameSync(file, backup); // rename keeps the 0600 mode
    result.corruptBackup = backup;
    return result;
  }
  result.secrets = checked.data;
  return result;
}

/** Replaces the file atomically; removes it when there is nothing to keep. */
export function writeSecretsFile(file: string, secrets: Record<string, string>): void {
  if (Object.keys(secrets).length === 0) {
    rmSync(file, { force: true });
    return;
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', SECRETS_FILE_MODE);
  try {
    writeSync(fd, JSON.stringify(secrets, null, 2) + '\n');
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    // The umask may have narrowed the mode further; never wider than 0600, but make it exactly 0600.
    if (process.platform !== 'win32') chmodSync(tmp, SECRETS_FILE_MODE);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
