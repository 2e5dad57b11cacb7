/** The peer's shared state: accepted authtokens, domains taken elsewhere, live sessions and bound endpoints. */
import { randomBytes } from 'node:crypto';
import type { MuxSession } from './mux-session';

export interface Binding {
  id: string;
  url: string;
  domain: string;
  proto: string;
  session: MuxSession;
}

export interface BoundInfo {
  id: string;
  url: string;
  domain: string;
}

export const FREE_DOMAIN_SUFFIX = '.ngrok-free.app';

export class PeerRegistry {
  private readonly bindings = new Map<string, Binding>();
  /** Domains of every id ever bound, so a re-bind after reconnect gets its old URL back. */
  private readonly pastDomains = new Map<string, string>();
  private readonly liveSessions = new Set<MuxSession>();

  constructor(
    private readonly authtokens: ReadonlySet<string> | null,
    private readonly domainsInUse: ReadonlySet<string>,
  ) {}

  /** null = accepted; otherwise the ERR_NGROK code to refuse with. */
  checkToken(token: string): null | 'ERR_NGROK_4018' | 'ERR_NGROK_107' {
    if (!token) return 'ERR_NGROK_4018';
    if (this.authtokens && !this.authtokens.has(token)) return 'ERR_NGROK_107';
    return null;
  }

  addSession(session: MuxSession): void {
    this.liveSessions.add(session);
    session.onClose(() => {
      this.liveSessions.delete(session);
      for (const [id, b] of this.bindings) if (b.session === session) this.bindings.delete(id);
    });
  }

  sessionCount(): number {
    return this.liveSessions.size;
  }

  sessions(): MuxSession[] {
    return [...this.liveSessions];
  }

  /** Binds (or re-binds) an endpoint; returns the binding or the domain that is already online. */
  bind(
    requestedId: string,
    requestedDomain: string,
    proto: string,
    session: MuxSession,
  ): Binding | { conflict: string } {
    const id = requestedId || `tn_${randomBytes(8).toString('hex')}`;
    const domain = (
      requestedDomain ||
      this.pastDomains.get(id) ||
      `${randomBytes(6).toString('hex')}${FREE_DOMAIN_SUFFIX}`
    ).toLowerCase();
    const taken = [...this.bindings.values()].some((b) => b.domain === domain && b.id !== id);
    if (taken || this.domainsInUse.has(domain)) return { conflict: domain };
    const binding: Binding = {
      id,
      url: `${proto === 'http' ? 'http' : 'https'}://${domain}`,
      domain,
      proto,
      session,
    };
    this.bindings.set(id, binding);
    this.pastDomains.set(id, domain);
    return binding;
  }

  unbind(id: string, session: MuxSession): void {
    if (this.bindings.get(id)?.session === session) this.bindings.delete(id);
  }

  /** The binding whose host (case-insensitive, port ignored) matches. */
  findByHost(host: string): Binding | undefined {
    const name = host.toLowerCase().replace(/:\d+$/, '');
    return [...this.bindings.values()].find((b) => b.domain === name);
  }

  all(): Binding[] {
    return [...this.bindings.values()];
  }
}
