/**
 * `kreo ngrok start|stop|status|restart|test-connection|configure` (and `logs`, in ngrok-logs.ts). Commands that act
 * on the tunnel talk to the running host; `start` starts a background host when none runs; `status`, `stop` and
 * `configure` also work with no host.
 */
import type { Command } from 'commander';
import {
  NGROK_DEFAULT_BASE_DOMAIN,
  requestedDomain,
  tunnelStartOptionsSchema,
  type TunnelStartOptions,
  type TunnelStatus,
} from '../../../shared/domain/tunnel';
import { KreoError } from '../../../shared/errors';
import { stoppedTunnelStatusFor } from '../../services/tunnel/tunnel-plan';
import type { CliContext } from '../context';
import { parsePort, statusLines, tunnelLines, type StatusView } from '../format';
import { parseFlags } from './meta-cli';
import { registerLogs } from './ngrok-logs';
import { writeSettings } from './settings-access';

/** A client of the running host, or TUNNEL_NOT_RUNNING (there is no tunnel without a host). */
async function tunnelClient(ctx: CliContext) {
  const live = await ctx.host();
  if (!live)
    throw new KreoError(
      'TUNNEL_NOT_RUNNING',
      'The tunnel is not running (no KREO host is running).',
      'Start it with kreo ngrok start.',
    );
  return live.client;
}

function statusView(ctx: CliContext): Promise<StatusView> {
  return ctx.withHost<StatusView>(
    async (client, info) => {
      const [settings, tunnel] = await Promise.all([
        client.invoke('settings:get'),
        client.invoke('tunnel:status'),
      ]);
      return {
        host: { pid: info.pid, port: info.port, mode: info.mode },
        tunnel,
        authtoken: settings.secrets['ngrok.authtoken'],
        secretsBackend: settings.secretsBackend,
      };
    },
    async () => {
      // No host: the tunnel is stopped; its target and domain come from the settings.
      const settings = await ctx.settings();
      const view = settings.view();
      return {
        host: null,
        tunnel: stoppedTunnelStatusFor(settings.get()),
        authtoken: view.secrets['ngrok.authtoken'],
        secretsBackend: view.secretsBackend,
      };
    },
  );
}

const TUNNEL_FLAGS = {
  port: '--port',
  domain: '--domain',
  subdomain: '--subdomain',
  authtoken: '--authtoken',
};

/**
 * `ngrok start` and `ngrok configure` flags, checked the same way: --domain takes a full domain (reserved on the
 * ngrok account), --subdomain a bare name (requested as <name>.ngrok-free.app), not both.
 */
function parseTunnelFlags(o: Record<string, unknown>): TunnelStartOptions {
  if (o.domain !== undefined && o.subdomain !== undefined)
    throw new KreoError('INVALID_ARGUMENT', 'Give --domain or --subdomain, not both.');
  const label = typeof o.domain === 'string' ? o.domain.trim() : '';
  if (label && !label.includes('.'))
    throw new KreoError(
      'INVALID_ARGUMENT',
      `--domain needs a full domain such as ${label}.${NGROK_DEFAULT_BASE_DOMAIN}; "${label}" is a bare name.`,
      `Use --subdomain ${label} to request ${label}.${NGROK_DEFAULT_BASE_DOMAIN}, or give the full domain reserved on your ngrok account.`,
      { issues: [{ path: '--domain', message: 'a full domain such as my-app.ngrok-free.app' }] },
    );
  return parseFlags(tunnelStartOptionsSchema, o, TUNNEL_FLAGS);
}

export function register(program: Command, ctx: CliContext): void {
  const ngrok = program.command('ngrok').description('the ngrok tunnel to your webhook listener');

  ngrok
    .command('start')
    .description('start the tunnel (starts a background host when none runs)')
    .option('--port <n>', 'local port to forward to (default: server.port)', parsePort)
    .option('--subdomain <name>', 'a bare name: requests <name>.ngrok-free.app')
    .option('--domain <domain>', 'a domain reserved on your ngrok account')
    .option('--authtoken <token>', 'use this authtoken for this start only (not saved)')
    .action(async (o: { port?: number; subdomain?: string; domain?: string; authtoken?: string }) => {
      const options = parseTunnelFlags(o);
      const { client, started } = await ctx.ensureHost();
      const wanted = requestedDomain(options.domain ?? options.subdomain);
      const spinner = ctx.out.spinner(`Starting the tunnel${wanted ? ` on ${wanted}` : ''}…`);
      let status: TunnelStatus;
      try {
        status = await client.invoke('tunnel:start', options);
      } catch (err) {
        spinner.stop();
        if (started) ctx.out.note('The background host keeps running: kreo ngrok status, or kreo host stop.');
        throw err;
      }
      spinner.stop();
      ctx.out.result(status, (s) => [`Tunnel online: ${s.url}`, ...tunnelLines(s).slice(1)]);
    });

  ngrok
    .command('stop')
    .description('stop the tunnel')
    .action(async () => {
      const { status, running } = await ctx.withHost(
        async (client) => ({ status: await client.invoke('tunnel:stop'), running: true }),
        async () => ({ status: stoppedTunnelStatusFor((await ctx.settings()).get()), running: false }),
      );
      ctx.out.result(status, () =>
        running ? 'Tunnel stopped.' : 'The tunnel is not running (no KREO host is running).',
      );
    });

  ngrok
    .command('status')
    .description('tunnel state, public URL, target, domain, uptime, last error (--json for scripts)')
    .action(async () => {
      ctx.out.result(await statusView(ctx), statusLines);
    });

  ngrok
    .command('restart')
    .description('restart the tunnel with its last options')
    .option('--port <n>', 'forward to this local port instead', parsePort)
    .action(async (o: { port?: number }) => {
      const client = await tunnelClient(ctx);
      const spinner = ctx.out.spinner('Restarting the tunnel…');
      try {
        const status = await client.invoke('tunnel:restart', o.port ? { port: o.port } : {});
        spinner.stop();
        ctx.out.result(status, (s) => [`Tunnel online: ${s.url}`, ...tunnelLines(s).slice(1)]);
      } finally {
        spinner.stop();
      }
    });

  ngrok
    .command('test-connection')
    .description("send Meta's verification handshake through the public URL and time the round trip")
    .action(async () => {
      const client = await tunnelClient(ctx);
      const spinner = ctx.out.spinner('Testing the round trip through the tunnel…');
      const result = await client.invoke('tunnel:testConnection').finally(() => spinner.stop());
      if (!result.ok) ctx.exitCode = 1;
      ctx.out.result(result, (r) =>
        r.ok
          ? `OK: ${r.url} answered the challenge in ${r.roundTripMs} ms (HTTP ${r.statusCode}).`
          : [
              `Failed: ${r.error?.message ?? 'the challenge did not come back'}`,
              ...(r.error?.hint ? [`Hint: ${r.error.hint}`] : []),
            ],
      );
    });

  ngrok
    .command('configure')
    .description('save the authtoken and/or the domain (works without a running host)')
    .option('--authtoken <token>', 'your ngrok authtoken (stored as a secret)')
    .option('--subdomain <name>', 'a bare name: the tunnel will request <name>.ngrok-free.app')
    .option('--domain <domain>', 'a domain reserved on your ngrok account')
    .action(async (o: { authtoken?: string; subdomain?: string; domain?: string }) => {
      if (o.authtoken === undefined && o.subdomain === undefined && o.domain === undefined)
        throw new KreoError(
          'INVALID_ARGUMENT',
          'Nothing to configure.',
          'Give --authtoken T, --subdomain S or --domain D.',
        );
      // Checked like `ngrok start` checks them; an empty --domain "" clears the saved domain.
      const { domain, subdomain } = parseTunnelFlags({
        ...(o.domain ? { domain: o.domain } : {}),
        ...(o.subdomain !== undefined ? { subdomain: o.subdomain } : {}),
      });
      const patch: Record<string, unknown> = {};
      if (o.authtoken !== undefined) patch['ngrok.authtoken'] = o.authtoken;
      if (o.domain === '') patch['ngrok.domain'] = '';
      // Saved as the full domain the tunnel will request (a bare name becomes <name>.ngrok-free.app).
      const wanted = requestedDomain(domain ?? subdomain);
      if (wanted) patch['ngrok.domain'] = wanted;
      const { view, via } = await writeSettings(ctx, patch);
      const value = {
        authtoken: view.secrets['ngrok.authtoken'],
        domain: requestedDomain((view.values.ngrok as { domain: string }).domain),
        secretsBackend: view.secretsBackend,
        savedVia: via,
      };
      ctx.out.result(value, (v) => [
        'Saved.',
        `Authtoken:   ${v.authtoken.set ? v.authtoken.masked : 'not set'}${v.authtoken.set ? ` (in the ${v.secretsBackend === 'keychain' ? 'OS keychain' : 'secrets file, mode 0600'})` : ''}`,
        `Domain:      ${v.domain ?? 'none (ngrok picks a random one)'}`,
        ...(via === 'host' ? ['The running tunnel uses it after: kreo ngrok restart'] : []),
      ]);
    });

  registerLogs(ngrok, ctx);
}
