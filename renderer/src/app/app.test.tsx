// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeKreo } from '../testing/fake-kreo';
import { App } from './app';

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  localStorage.clear();
});

async function renderReady(lang: 'en' | 'es' = 'en') {
  const fake = createFakeKreo();
  const view = render(<App api={fake.api} lang={lang} />);
  await waitFor(() => expect(screen.getByTestId('app-root').getAttribute('data-app-state')).toBe('ready'));
  return { fake, ...view };
}

describe('the panel', () => {
  it('marks itself ready once the first data loaded and shows the tunnel card', async () => {
    await renderReady();
    expect(screen.getByTestId('tunnel-state').getAttribute('data-state')).toBe('stopped');
    expect(screen.getByTestId('host-mode').textContent).toContain('browser mode');
  });

  it('switches language in the app', async () => {
    await renderReady('en');
    expect(screen.getByTestId('action-testConnection').textContent).toBe('Test Ngrok Connection');
    fireEvent.change(screen.getByTestId('language-select'), { target: { value: 'es' } });
    expect(screen.getByTestId('action-testConnection').textContent).toBe('Probar Conexión Ngrok');
    expect(screen.getByTestId('action-getStatus').textContent).toBe('Obtener Estado Ngrok');
    expect(screen.getByTestId('nav-tab-settings').textContent).toBe('Configuración');
    expect(document.documentElement.lang).toBe('es');
    expect(localStorage.getItem('kreo.lang')).toBe('es');
  });

  it('shows a failed action with the registry hint, and a successful one with its result', async () => {
    const { fake } = await renderReady();
    fireEvent.click(screen.getByTestId('action-testConnection'));
    const failed = await screen.findByText(/Start the tunnel first/);
    expect(failed.closest('[data-error-code]')?.getAttribute('data-error-code')).toBe('TUNNEL_NOT_RUNNING');

    fireEvent.click(screen.getByTestId('action-start'));
    await waitFor(() => expect(screen.getByTestId('tunnel-state').getAttribute('data-state')).toBe('online'));
    expect(screen.getByTestId('tunnel-url').textContent).toBe('https://fake-1234.ngrok-free.app');
    fireEvent.click(screen.getByTestId('action-testConnection'));
    await waitFor(() =>
      expect(screen.getByTestId('action-result-testConnection').textContent).toMatch(
        /Round trip OK: HTTP 200 in 42 ms/,
      ),
    );

    fireEvent.click(screen.getByTestId('action-register'));
    await waitFor(() =>
      expect(screen.getByTestId('action-result-register').textContent).toContain(
        'Meta will call https://fake-1234.ngrok-free.app/webhook',
      ),
    );
    expect(within(screen.getByTestId('webhook-registered')).getByText('Yes')).toBeTruthy();
    expect(fake.calls.map((c) => c.channel)).toContain('webhook:register');
  });

  it('disables an action while it runs', async () => {
    const fake = createFakeKreo({ delayMs: 30 });
    render(<App api={fake.api} lang="en" />);
    await waitFor(() => expect(screen.getByTestId('app-root').getAttribute('data-app-state')).toBe('ready'));
    fireEvent.click(screen.getByTestId('health-run'));
    expect((screen.getByTestId('health-run') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('health-run').getAttribute('aria-busy')).toBe('true');
    await screen.findByTestId('health-check-meta');
    expect(screen.getByTestId('health-check-meta').getAttribute('data-state')).toBe('not_configured');
    expect(screen.getByTestId('health-check-meta').textContent).toContain('Set the access token');
  });

  it('follows health:changed pushes', async () => {
    const { fake } = await renderReady();
    act(() =>
      fake.emit('health:changed', {
        checkedAt: new Date().toISOString(),
        overall: 'failed',
        checks: [
          {
            name: 'redis',
            state: 'failed',
            detail: 'ECONNREFUSED 127.0.0.1:6379',
            hint: 'Start redis-server.',
            checkedAt: '',
          },
        ],
      }),
    );
    expect(screen.getByTestId('health-check-redis').getAttribute('data-state')).toBe('failed');
    expect(screen.getByTestId('health-check-redis').textContent).toContain('Start redis-server.');
  });

  it('moves between screens with the keyboard', async () => {
    await renderReady();
    const overview = screen.getByTestId('nav-tab-overview');
    overview.focus();
    fireEvent.keyDown(overview, { key: 'ArrowRight' });
    expect(screen.getByTestId('nav-tab-settings').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('nav-tab-settings'));
    expect(screen.getByTestId('screen-settings')).toBeTruthy();
    fireEvent.keyDown(screen.getByTestId('nav-tab-settings'), { key: 'End' });
    expect(screen.getByTestId('screen-charts')).toBeTruthy();
  });
});
