/**
 * Which host, if any, runs for a home. run/host.json names a pid, a port and a token; a host counts as live only when
 * that pid is alive AND its control API answers `host:info` with that same pid. A pid alone proves nothing: after a
 * SIGKILL or a reboot it may belong to any other process. A file that fails the check is stale and removed, so a
 * reused pid is never taken for KREO (and never signalled), and the next command or host starts afresh.
 */
import { hostInfoSchema } from '../../../shared/domain/host';
import { isPidAlive, readDiscoveryFile, removeDiscoveryFile, type DiscoveryInfo } from './discovery';

/** What answered at the file's port: the host it names, something else (or nothing), or no answer in time. */
export type HostIdentity = 'same' | 'other' | 'silent';

export type HostLookup =
  | { state: 'live'; info: DiscoveryInfo }
  /** No host runs. `removed`: the stale file that was deleted. */
  | { state: 'none'; removed?: DiscoveryInfo }
  /** The pid is alive and its port accepts, but nothing answered in time: maybe a busy host, maybe not ours. */
  | { state: 'silent'; info: DiscoveryInfo };

export const DEFAULT_PROBE_MS = 1500;

/** Asks `host:info` at the file's port with its token; 'same' only when the answer names the file's pid. */
export async function identifyHost(info: DiscoveryInfo, timeoutMs = DEFAULT_PROBE_MS): Promise<HostIdentity> {
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}/api/host:info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { ok?: unknown; value?: unknown };
    if (body?.ok !== true) return 'other';
    const value = hostInfoSchema.safeParse(body.value);
    return value.success && value.data.pid === info.pid ? 'same' : 'other';
  } catch (err) {
    const name = (err as Error)?.name;
    // Refused, reset, or an answer that is not our JSON: not the host the file names.
    return name === 'TimeoutError' || name === 'AbortError' ? 'silent' : 'other';
  }
}

/** True when the host `info` names is alive and answers as itself within `timeoutMs`. */
export async function probeHost(info: DiscoveryInfo, timeoutMs = DEFAULT_PROBE_MS): Promise<boolean> {
  return isPidAlive(info.pid) && (await identifyHost(info, timeoutMs)) === 'same';
}

/**
 * Reads the discovery file and checks the host it names. A stale file (dead pid, or a pid that is not the host) is
 * removed unless `removeStale` is false; a newer host's file is never removed (the owner check).
 */
export async function lookupHost(
  file: string,
  opts: { timeoutMs?: number; removeStale?: boolean } = {},
): Promise<HostLookup> {
  const info = readDiscoveryFile(file);
  if (!info) return { state: 'none' };
  const identity = isPidAlive(info.pid) ? await identifyHost(info, opts.timeoutMs) : 'other';
  if (identity === 'same') return { state: 'live', info };
  if (identity === 'silent') return { state: 'silent', info };
  if (opts.removeStale !== false) removeDiscoveryFile(file, info);
  return { state: 'none', removed: info };
}
