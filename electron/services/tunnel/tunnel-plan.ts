/**
 * Turns start options plus settings into what one tunnel start will do: which local target, which domain (a bare
 * subdomain becomes `<label>.ngrok-free.app`, since the SDK ignores `subdomain`), which authtoken (a one-off one
 * wins and is never saved), and the advanced server/CA for test peers. Fails with an actionable KreoError.
 */
import { readFile } from 'node:fs/promises';
import {
  requestedDomain,
  stoppedTunnelStatus,
  type TunnelStartOptions,
  type TunnelStatus,
} from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import { reachableHost } from '../core/reachable-host';
import type { NgrokForwardConfig } from './types';

export type DomainSource = 'domain option' | 'subdomain option' | 'settings' | null;

export interface StartPlan {
  port: number;
  /** host:port handed to the SDK, e.g. 127.0.0.1:8000 */
  addr: string;
  /** http://host:port, shown in status */
  localTarget: string;
  domain: string | null;
  domainSource: DomainSource;
  authtoken: string;
  tokenSource: 'one-off' | 'settings';
  serverAddr?: string;
  caCertPath?: string;
  caCertPem?: string;
}

/** http://host:port for a listener bound to `host` (wildcards become loopback; IPv6 gets brackets). */
export function localTargetOf(host: string, port: number): string {
  return `http://${reachableHost(host)}:${port}`;
}

/**
 * The status of a tunnel that is not running, from the settings alone: what `kreo ngrok status` shows when no host
 * runs, and what a fresh TunnelManager reports before its first start.
 */
export function stoppedTunnelStatusFor(settings: Pick<Settings, 'server' | 'ngrok'>): TunnelStatus {
  return stoppedTunnelStatus(
    localTargetOf(settings.server.host, settings.server.port),
    requestedDomain(settings.ngrok.domain),
  );
}

export const AUTH_MISSING_HINT =
  'Run kreo ngrok configure --authtoken <token> (your token is at https://dashboard.ngrok.com/get-started/your-authtoken), or pass --authtoken <token> for one start.';

export function resolveDomain(
  opts: TunnelStartOptions,
  settings: Settings,
): { domain: string | null; source: DomainSource } {
  if (opts.domain) return { domain: requestedDomain(opts.domain), source: 'domain option' };
  if (opts.subdomain) return { domain: requestedDomain(opts.subdomain), source: 'subdomain option' };
  const fromSettings = requestedDomain(settings.ngrok.domain);
  return fromSettings ? { domain: fromSettings, source: 'settings' } : { domain: null, source: null };
}

export async function buildStartPlan(
  opts: TunnelStartOptions,
  settings: Settings,
  read: (file: string) => Promise<string> = (file) => readFile(file, 'utf8'),
): Promise<StartPlan> {
  const port = opts.port ?? settings.server.port;
  const host = reachableHost(settings.server.host);
  const { domain, source } = resolveDomain(opts, settings);
  const authtoken = opts.authtoken ?? settings.ngrok.authtoken;
  if (!authtoken)
    throw new KreoError('TUNNEL_AUTH_MISSING', 'No ngrok authtoken is configured.', AUTH_MISSING_HINT);

  const plan: StartPlan = {
    port,
    addr: `${host}:${port}`,
    localTarget: `http://${host}:${port}`,
    domain,
    domainSource: source,
    authtoken,
    tokenSource: opts.authtoken ? 'one-off' : 'settings',
  };
  if (settings.ngrok.serverAddr) plan.serverAddr = settings.ngrok.serverAddr;
  if (settings.ngrok.caCertPath) {
    plan.caCertPath = settings.ngrok.caCertPath;
    plan.caCertPem = await readCaCert(settings.ngrok.caCertPath, read);
  }
  return plan;
}

async function readCaCert(file: string, read: (file: string) => Promise<string>): Promise<string> {
  const hint = 'Fix it with kreo config set ngrok.caCertPath <file.pem>, or clear it to use ngrok’s own CA.';
  let pem: string;
  try {
    pem = await read(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KreoError(
      'TUNNEL_TLS',
      `The CA certificate file ${file} (ngrok.caCertPath) could not be read (${code}).`,
      hint,
      {
        key: 'ngrok.caCertPath',
      },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new KreoError('TUNNEL_TLS', `The file ${file} (ngrok.caCertPath) holds no PEM certificate.`, hint, {
      key: 'ngrok.caCertPath',
    });
  }
  return pem;
}

export function forwardConfigOf(plan: StartPlan): NgrokForwardConfig {
  const config: NgrokForwardConfig = { addr: plan.addr, authtoken: plan.authtoken };
  if (plan.domain) config.domain = plan.domain;
  if (plan.serverAddr) config.serverAddr = plan.serverAddr;
  if (plan.caCertPem) config.caCertPem = plan.caCertPem;
  return config;
}

/** What may be logged about a plan: everything except the token. */
export function describePlan(plan: StartPlan): Record<string, unknown> {
  return {
    port: plan.port,
    localTarget: plan.localTarget,
    domain: plan.domain ?? '(random)',
    domainSource: plan.domainSource ?? 'none',
    tokenSource: plan.tokenSource,
    ...(plan.serverAddr ? { serverAddr: plan.serverAddr } : {}),
    ...(plan.caCertPath ? { caCertPath: plan.caCertPath } : {}),
  };
}
