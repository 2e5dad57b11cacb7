/** What the Graph API fake remembers: tokens, the app's subscription, WABA and phone overrides, sends, faults. */
import type { HandshakeRecord } from './handshake';
import type { MetaErrorAnswer } from './meta-errors';

export interface FakeUserToken {
  token: string;
  scopes: string[];
  /** Unix seconds; 0 = never expires (system user token). */
  expiresAt?: number;
  valid?: boolean;
  /** The app the token belongs to; defaults to the fake's app. */
  appId?: string;
  type?: 'SYSTEM_USER' | 'USER';
}

export interface FakeSubscription {
  object: string;
  callbackUrl: string;
  fields: string[];
  active: boolean;
}

export interface FakeSend {
  /** Receipt time in ms (performance.now() clock of the fake's process). */
  at: number;
  wallMs: number;
  phoneNumberId: string;
  to: string;
  type: string;
  id: string;
  body?: string;
  template?: { name: string; language: string };
}

export interface FakeRequest {
  method: string;
  /** Path below the version. */
  path: string;
  version: string | null;
  auth: 'app' | 'user' | 'none' | 'invalid';
  status: number;
}

/**
 * A programmable fault: requests matching method and path (below the version) get `answer` (or a raw body), after
 * an optional delay, `times` times (default: until removed).
 */
export interface FaultRule {
  method?: string;
  path?: string | RegExp;
  times?: number;
  delayMs?: number;
  answer?: MetaErrorAnswer;
  raw?: { status: number; body: string; contentType?: string };
}

export interface GraphFakeOptions {
  appId?: string;
  appSecret?: string;
  appName?: string;
  tokens?: FakeUserToken[];
  wabaId?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  verifiedName?: string;
  qualityRating?: 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';
  /** Sends accepted per phone number per (fixed) second before 130429. Default 80. */
  messagesPerSecond?: number;
  /** Meta gives up on the callback after about 6 s. */
  handshakeTimeoutMs?: number;
  /** Used for the handshake GET, e.g. the ngrok peer's `peerFetch`. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Delay before answering each send. */
  sendLatencyMs?: number;
  /** Refuse http:// callbacks like Meta does. Default false (loopback tests). */
  requireHttps?: boolean;
  /** Initial state, e.g. a production callback already in place. */
  appSubscription?: { callbackUrl: string; fields: string[] } | null;
  wabaOverride?: string | null;
  phoneOverride?: string | null;
  /** Whether the app is already subscribed to the WABA. Default false. */
  appSubscribedToWaba?: boolean;
  templates?: { name: string; language: string }[];
}

export const DEFAULTS = {
  appId: '1234567890',
  appSecret: 'fakeappsecret0123456789',
  appName: 'KREO Test App',
  token: 'EAAFakeSystemUserToken0123456789',
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
} as const;

export const ALL_SCOPES = [
  'whatsapp_business_messaging',
  'whatsapp_business_management',
  'business_management',
];

export class FakeState {
  readonly appId: string;
  readonly appSecret: string;
  readonly appName: string;
  readonly wabaId: string;
  readonly phoneNumberId: string;
  displayPhoneNumber: string;
  verifiedName: string;
  qualityRating: string;
  messagesPerSecond: number;
  readonly tokens = new Map<string, FakeUserToken>();
  appSubscriptions: FakeSubscription[] = [];
  appSubscribedToWaba: boolean;
  wabaOverride: string | null;
  phoneOverride: string | null;
  templates: { name: string; language: string }[];
  readonly sends: FakeSend[] = [];
  readonly rejectedSends: { at: number; code: number }[] = [];
  readonly requests: FakeRequest[] = [];
  readonly handshakes: HandshakeRecord[] = [];
  readonly faults: FaultRule[] = [];
  private secondKey = -1;
  private secondCount = 0;

  constructor(opts: GraphFakeOptions) {
    this.appId = opts.appId ?? DEFAULTS.appId;
    this.appSecret = opts.appSecret ?? DEFAULTS.appSecret;
    this.appName = opts.appName ?? DEFAULTS.appName;
    this.wabaId = opts.wabaId ?? DEFAULTS.wabaId;
    this.phoneNumberId = opts.phoneNumberId ?? DEFAULTS.phoneNumberId;
    this.displayPhoneNumber = opts.displayPhoneNumber ?? '+1 555-010-0199';
    this.verifiedName = opts.verifiedName ?? 'KREO Test';
    this.qualityRating = opts.qualityRating ?? 'GREEN';
    this.messagesPerSecond = opts.messagesPerSecond ?? 80;
    for (const t of opts.tokens ?? [{ token: DEFAULTS.token, scopes: ALL_SCOPES, expiresAt: 0 }]) {
      this.tokens.set(t.token, t);
    }
    if (opts.appSubscription) {
      this.appSubscriptions.push({
        object: 'whatsapp_business_account',
        callbackUrl: opts.appSubscription.callbackUrl,
        fields: [...opts.appSubscription.fields],
        active: true,
      });
    }
    this.appSubscribedToWaba = opts.appSubscribedToWaba ?? false;
    this.wabaOverride = opts.wabaOverride ?? null;
    this.phoneOverride = opts.phoneOverride ?? null;
    this.templates = opts.templates ?? [{ name: 'hello_world', language: 'en_US' }];
  }

  get appToken(): string {
    return `${this.appId}|${this.appSecret}`;
  }

  /** Which kind of token this is, and the user token's record. */
  classify(token: string | null): { kind: 'app' | 'user' | 'none' | 'invalid'; user?: FakeUserToken } {
    if (!token) return { kind: 'none' };
    if (token === this.appToken) return { kind: 'app' };
    const user = this.tokens.get(token);
    return user ? { kind: 'user', user } : { kind: 'invalid' };
  }

  isExpired(t: FakeUserToken): boolean {
    return t.valid === false || (!!t.expiresAt && t.expiresAt * 1000 <= Date.now());
  }

  whatsappSubscription(): FakeSubscription | undefined {
    return this.appSubscriptions.find((s) => s.object === 'whatsapp_business_account');
  }

  /** Counts a send in the current fixed one-second window; false when over the limit. */
  admitSend(nowMs: number): boolean {
    const key = Math.floor(nowMs / 1000);
    if (key !== this.secondKey) {
      this.secondKey = key;
      this.secondCount = 0;
    }
    if (this.secondCount >= this.messagesPerSecond) return false;
    this.secondCount++;
    return true;
  }

  /** The first active fault for this request, consuming one of its `times`. */
  takeFault(method: string, path: string): FaultRule | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.path || (typeof f.path === 'string' ? f.path === path : f.path.test(path))),
    );
    if (i < 0) return undefined;
    const rule = this.faults[i]!;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) this.faults.splice(i, 1);
    }
    return rule;
  }
}
