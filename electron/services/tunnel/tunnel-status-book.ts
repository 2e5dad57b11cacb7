/**
 * What the tunnel manager knows about its tunnel, kept in one place: the state, the public URL, the plan of the
 * current start, since when it is online, the last error, the session's connection and its recent changes
 * (bounded by MAX_CONNECTION_CHANGES). status() assembles the TunnelStatus everyone sees; the manager decides the
 * transitions and does the logging.
 */
import {
  MAX_CONNECTION_CHANGES,
  requestedDomain,
  type TunnelState,
  type TunnelStatus,
} from '../../../shared/domain/tunnel';
import type { ErrorInfo } from '../../../shared/errors';
import type { Settings } from '../../../shared/settings-schema';
import { localTargetOf, type StartPlan } from './tunnel-plan';

type ConnectionChange = TunnelStatus['connectionChanges'][number];

export class TunnelStatusBook {
  state: TunnelState = 'stopped';
  url: string | null = null;
  /** The plan of the current (or last) start. */
  plan: StartPlan | null = null;
  lastError: ErrorInfo | null = null;
  private startedAt: number | null = null;
  private connection: TunnelStatus['connection'] = null;
  private changes: ConnectionChange[] = [];

  constructor(private readonly now: () => number) {}

  /** The status; before any start, local target and domain come from the settings. */
  status(settings: Pick<Settings, 'server' | 'ngrok'>): TunnelStatus {
    return {
      state: this.state,
      url: this.url,
      localTarget: this.plan?.localTarget ?? localTargetOf(settings.server.host, settings.server.port),
      domain: this.plan ? this.plan.domain : requestedDomain(settings.ngrok.domain),
      startedAt: this.startedAt === null ? null : new Date(this.startedAt).toISOString(),
      uptimeMs:
        this.state === 'online' && this.startedAt !== null ? Math.max(0, this.now() - this.startedAt) : null,
      lastError: this.lastError,
      connection: this.connection,
      connectionChanges: [...this.changes],
    };
  }

  /** A start begins with this plan: no URL, no session, no connection history yet. */
  beginStart(plan: StartPlan): void {
    this.plan = plan;
    this.url = null;
    this.startedAt = null;
    this.connection = null;
    this.changes = [];
  }

  /** The session is established at `url`. */
  online(url: string): void {
    this.url = url;
    this.startedAt = this.now();
    this.lastError = null;
    this.connection = 'connected';
    this.change('connected', 'session established');
  }

  /** The session is gone (stopped, or went down); `reason` is recorded when it was online. */
  offline(reason: string | null): void {
    if (reason !== null) this.change('disconnected', reason);
    this.url = null;
    this.startedAt = null;
    this.connection = null;
  }

  /**
   * The SDK's session status while online: 'closed' means it is reconnecting, 'connected' that it is back.
   * Answers what changed, or null when the connection already was in that state.
   */
  sessionStatus(status: 'connected' | 'closed'): 'reconnecting' | 'reconnected' | null {
    if (status === 'closed' && this.connection !== 'reconnecting') {
      this.connection = 'reconnecting';
      this.change('reconnecting', 'the ngrok session was lost; reconnecting');
      return 'reconnecting';
    }
    if (status === 'connected' && this.connection !== 'connected') {
      this.connection = 'connected';
      this.change('connected', 'session re-established');
      return 'reconnected';
    }
    return null;
  }

  private change(status: ConnectionChange['status'], detail: string): void {
    this.changes.push({ at: new Date(this.now()).toISOString(), status, detail });
    if (this.changes.length > MAX_CONNECTION_CHANGES)
      this.changes.splice(0, this.changes.length - MAX_CONNECTION_CHANGES);
  }
}
