/**
 * Renderer entry. In Electron the preload has already exposed `window.kreo`; in browser mode it is absent, so the
 * browser bridge (control API client) installs it first. Then the panel renders.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { BootError } from './app/boot-error';
import { toUiError } from './lib/errors';
import './styles/app.css';

async function boot(): Promise<void> {
  const container = document.getElementById('root')!;
  const root = createRoot(container);
  try {
    if (!window.kreo) {
      const { installBrowserBridge } = await import('./bridge/browser-bridge');
      await installBrowserBridge();
    }
  } catch (err) {
    container.setAttribute('data-app-state', 'error');
    root.render(<BootError error={toUiError(err)} />);
    return;
  }
  container.removeAttribute('data-app-state');
  root.render(
    <StrictMode>
      <App api={window.kreo} />
    </StrictMode>,
  );
}

void boot();
