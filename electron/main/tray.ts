/**
 * The system tray icon: image and tooltip follow the tunnel state, the context menu is rebuilt from the pure template
 * in tray-menu.ts whenever the state changes. Clicking the icon opens the panel.
 */
import { Menu, Tray, nativeImage } from 'electron';
import type { Disposable } from '../services/core/lifecycle';
import {
  trayIconState,
  trayMenuTemplate,
  trayTooltip,
  type TrayActions,
  type TrayIconState,
  type TrayState,
} from './tray-menu';

export interface TrayControllerOptions {
  iconPath: (state: TrayIconState) => string;
  actions: TrayActions;
}

export class TrayController implements Disposable {
  private readonly tray: Tray;
  private state: TrayState = { tunnel: null, webhookRegistered: false, busy: false };
  private icon: TrayIconState | null = null;

  constructor(private readonly opts: TrayControllerOptions) {
    this.tray = new Tray(this.image(trayIconState(this.state)));
    this.tray.on('click', () => opts.actions.openPanel());
    this.render();
  }

  get current(): TrayState {
    return this.state;
  }

  /** What the tray shows right now (diagnostics and end-to-end tests). */
  snapshot(): {
    icon: TrayIconState | null;
    tooltip: string;
    items: { id?: string; label?: string; enabled: boolean }[];
  } {
    return {
      icon: this.icon,
      tooltip: trayTooltip(this.state),
      items: trayMenuTemplate(this.state, this.opts.actions)
        .filter((item) => item.type !== 'separator')
        .map((item) => ({ id: item.id, label: item.label, enabled: item.enabled !== false })),
    };
  }

  update(patch: Partial<TrayState>): void {
    this.state = { ...this.state, ...patch };
    this.render();
  }

  private image(state: TrayIconState) {
    return nativeImage.createFromPath(this.opts.iconPath(state));
  }

  private render(): void {
    if (this.tray.isDestroyed()) return;
    const icon = trayIconState(this.state);
    if (icon !== this.icon) {
      if (this.icon !== null) this.tray.setImage(this.image(icon));
      this.icon = icon;
    }
    this.tray.setToolTip(trayTooltip(this.state));
    this.tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(this.state, this.opts.actions)));
  }

  dispose(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
