/**
 * Which pushed events deserve a desktop notification, as a pure state machine: the tunnel dropping (error,
 * reconnecting, or going down without the user stopping it) and coming back, the webhook registration succeeding or
 * failing (`lastError` on the webhook status, e.g. automatic registration), and a health check turning red. Fed every bus message; returns what to show, if anything.
 */
import type { BusMessage } from '../services/core/event-bus';

export interface DesktopNotice {
  title: string;
  body: string;
  kind:
    | 'tunnel-down'
    | 'tunnel-back'
    | 'webhook-registered'
    | 'webhook-failed'
    | 'health-failed'
    | 'action-failed';
}

type TunnelView = { state: string; url: string | null; connection: string | null };

export class NotificationRules {
  private tunnel: TunnelView | null = null;
  /** Set once a drop was announced, so only a recovery after a drop says "back online". */
  private dropped = false;
  private registered: boolean | null = null;
  private lastError: string | null = null;
  private failedChecks = new Set<string>();

  next(message: BusMessage): DesktopNotice | null {
    switch (message.event) {
      case 'tunnel:status':
        return this.onTunnel(message.payload as BusMessage<'tunnel:status'>['payload']);
      case 'webhook:status':
        return this.onWebhook(message.payload as BusMessage<'webhook:status'>['payload']);
      case 'health:changed':
        return this.onHealth(message.payload as BusMessage<'health:changed'>['payload']);
      default:
        return null;
    }
  }

  private onTunnel(status: BusMessage<'tunnel:status'>['payload']): DesktopNotice | null {
    const prev = this.tunnel;
    this.tunnel = { state: status.state, url: status.url, connection: status.connection };
    const wasUp = prev?.state === 'online' && prev.connection !== 'reconnecting';
    const isUp = status.state === 'online' && status.connection !== 'reconnecting';

    if (status.state === 'stopping' || (status.state === 'stopped' && prev?.state === 'stopping')) {
      this.dropped = false; // the user stopped it: nothing to announce
      return null;
    }
    if (wasUp && !isUp) {
      this.dropped = true;
      if (status.state === 'online') {
        return {
          kind: 'tunnel-down',
          title: 'Tunnel connection lost',
          body: 'ngrok is reconnecting; webhooks from Meta may fail meanwhile.',
        };
      }
      return {
        kind: 'tunnel-down',
        title: 'Tunnel dropped',
        body: status.lastError?.message ?? 'The ngrok tunnel went down.',
      };
    }
    if (isUp && this.dropped) {
      this.dropped = false;
      return {
        kind: 'tunnel-back',
        title: 'Tunnel back online',
        body: status.url ?? 'The tunnel is online again.',
      };
    }
    return null;
  }

  private onWebhook(status: BusMessage<'webhook:status'>['payload']): DesktopNotice | null {
    const prev = this.registered;
    const prevError = this.lastError;
    this.registered = status.registered;
    this.lastError = status.lastError ? `${status.lastError.code}:${status.lastError.message}` : null;
    if (status.lastError && this.lastError !== prevError) return registrationFailedNotice(status.lastError);
    if (status.registered && prev === false) {
      return {
        kind: 'webhook-registered',
        title: 'Webhook registered with Meta',
        body: status.registeredUrl ?? 'Meta now sends webhooks through the tunnel.',
      };
    }
    return null;
  }

  private onHealth(report: BusMessage<'health:changed'>['payload']): DesktopNotice | null {
    const failed = report.checks.filter((c) => c.state === 'failed');
    const newlyFailed = failed.filter((c) => !this.failedChecks.has(c.name));
    this.failedChecks = new Set(failed.map((c) => c.name));
    if (newlyFailed.length === 0) return null;
    if (newlyFailed.length === 1) {
      const check = newlyFailed[0]!;
      return { kind: 'health-failed', title: `Health check failed: ${check.name}`, body: check.detail };
    }
    return {
      kind: 'health-failed',
      title: `${newlyFailed.length} health checks failed`,
      body: newlyFailed.map((c) => `${c.name}: ${c.detail}`).join('\n'),
    };
  }
}

/** The notice for a registration the user asked for (tray or panel) that Meta refused. */
export function registrationFailedNotice(error: { message: string; hint?: string }): DesktopNotice {
  return {
    kind: 'webhook-failed',
    title: 'Webhook registration failed',
    body: error.hint ? `${error.message}\n${error.hint}` : error.message,
  };
}
