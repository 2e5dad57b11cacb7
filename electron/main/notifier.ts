/**
 * Desktop notifications: feeds every bus message through NotificationRules and shows what they return with
 * Electron's Notification (silently skipped where the OS has no notification service). Clicking one opens the panel.
 */
import { Notification } from 'electron';
import type { EventBus } from '../services/core/event-bus';
import type { Disposable } from '../services/core/lifecycle';
import { NotificationRules, type DesktopNotice } from './notification-rules';

const DEDUPE_MS = 5000;

export interface NotifierOptions {
  bus: EventBus;
  iconPath?: string;
  onClick?: () => void;
}

export class DesktopNotifier implements Disposable {
  private readonly rules = new NotificationRules();
  private readonly subscription: Disposable;
  /** Kept referenced until closed: a garbage-collected Notification loses its click handler. */
  private readonly live = new Set<Notification>();
  private readonly recent = new Map<string, number>();

  constructor(private readonly opts: NotifierOptions) {
    this.subscription = opts.bus.subscribe((message) => {
      const notice = this.rules.next(message);
      if (notice) this.show(notice);
    });
  }

  show(notice: DesktopNotice): void {
    // The same notice from two paths (a failed request and the status event it causes) is shown once.
    const key = `${notice.kind}\n${notice.title}\n${notice.body}`;
    const now = Date.now();
    for (const [k, at] of this.recent) if (now - at >= DEDUPE_MS) this.recent.delete(k);
    if (this.recent.has(key)) return;
    this.recent.set(key, now);
    if (!Notification.isSupported()) return;
    const n = new Notification({ title: notice.title, body: notice.body, icon: this.opts.iconPath });
    this.live.add(n);
    n.on('click', () => this.opts.onClick?.());
    n.on('close', () => this.live.delete(n));
    n.show();
  }

  dispose(): void {
    void this.subscription.dispose();
    for (const n of this.live) n.close();
    this.live.clear();
  }
}
