// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { KreoError } from '../../../shared/errors';
import { App } from '../app/app';
import { createFakeKreo } from '../testing/fake-kreo';

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  localStorage.clear();
});

async function openSettings(lang: 'en' | 'es' = 'en') {
  const fake = createFakeKreo();
  sessionStorage.setItem('kreo.screen', 'settings');
  render(<App api={fake.api} lang={lang} />);
  await screen.findByTestId('settings-form');
  return fake;
}

const input = (key: string) => screen.getByTestId(`field-${key}`) as HTMLInputElement;
const errorOf = (key: string) => screen.getByTestId(`field-error-${key}`).textContent ?? '';

describe('settings screen', () => {
  it('shows every field, read-only ones not editable', async () => {
    await openSettings();
    for (const group of ['ngrok', 'webhook', 'meta', 'redis', 'forward', 'rateLimit', 'store', 'log'])
      expect(screen.getByTestId(`settings-group-${group}`)).toBeTruthy();
    expect(input('server.port').value).toBe('8000');
    expect(input('webhook.registered').tagName).toBe('OUTPUT');
    expect(input('webhook.registeredAt').tagName).toBe('OUTPUT');
    expect(input('webhook.registeredUrl').tagName).toBe('OUTPUT');
  });

  it('validates as the user types, blocks saving, then saves the typed patch', async () => {
    const fake = await openSettings();
    fireEvent.change(input('server.port'), { target: { value: '99999' } });
    expect(errorOf('server.port')).toMatch(/whole number from 1 to 65535.*Example: 8000/);
    expect(input('server.port').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByTestId('settings-save'));
    expect(screen.getByTestId('settings-notice').textContent).toMatch(/Fix the highlighted fields/);
    expect(document.activeElement).toBe(input('server.port'));
    expect(fake.calls.some((c) => c.channel === 'settings:set')).toBe(false);

    fireEvent.change(input('server.port'), { target: { value: '9000' } });
    fireEvent.change(input('webhook.fields'), { target: { value: 'messages, account_update' } });
    fireEvent.click(input('webhook.autoRegister'));
    expect(errorOf('server.port')).toBe('');
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() =>
      expect(screen.getByTestId('settings-notice').textContent).toContain('Settings saved.'),
    );
    expect(fake.calls.find((c) => c.channel === 'settings:set')?.input).toEqual({
      patch: {
        'server.port': 9000,
        'webhook.autoRegister': true,
        'webhook.fields': ['messages', 'account_update'],
      },
    });
    expect(fake.settings.server.port).toBe(9000);
  });

  it("puts the host's refusal next to its field (KreoError details.key)", async () => {
    const fake = await openSettings();
    fake.fail(
      'settings:set',
      new KreoError(
        'SETTINGS_INVALID',
        'redis.stream is already used by another app.',
        'Pick another stream key.',
        {
          key: 'redis.stream',
        },
      ),
    );
    fireEvent.change(input('redis.stream'), { target: { value: 'taken' } });
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(errorOf('redis.stream')).toContain('already used by another app'));
    expect(errorOf('redis.stream')).toContain('Pick another stream key.');
    expect(screen.getByTestId('settings-save-error').getAttribute('data-error-code')).toBe(
      'SETTINGS_INVALID',
    );
  });

  it('never shows a secret, lets it be replaced, and generates the verify token', async () => {
    const fake = await openSettings();
    const mask = screen.getByTestId('secret-mask-ngrok.authtoken').textContent ?? '';
    expect(mask).toMatch(/^•+oken$/);
    expect(document.body.textContent).not.toContain(fake.settings.ngrok.authtoken);

    fireEvent.click(screen.getByTestId('secret-replace-meta.accessToken'));
    const secret = input('meta.accessToken');
    expect(secret.type).toBe('password');
    fireEvent.change(secret, { target: { value: 'bad token!' } });
    expect(errorOf('meta.accessToken')).toMatch(/WhatsApp access token/);
    fireEvent.change(secret, { target: { value: 'EAAGnewTokenValue1234' } });
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(fake.settings.meta.accessToken).toBe('EAAGnewTokenValue1234'));
    expect(screen.getByTestId('secret-mask-meta.accessToken').textContent).toBe('••••••••1234');

    const before = fake.settings.meta.verifyToken;
    fireEvent.click(screen.getByTestId('secret-generate-meta.verifyToken'));
    await waitFor(() =>
      expect(screen.getByTestId('settings-notice').textContent).toContain('new verify token'),
    );
    expect(fake.settings.meta.verifyToken).not.toBe(before);
    expect(document.body.textContent).not.toContain(fake.settings.meta.verifyToken);
  });

  it('fills the read-only registration fields when the host pushes them, keeping edits in progress', async () => {
    const fake = await openSettings('es');
    expect(screen.getByText('Webhook Registrado')).toBeTruthy();
    expect(screen.getByText('Fecha de Registro del Webhook')).toBeTruthy();
    fireEvent.change(input('ngrok.domain'), { target: { value: 'mi-app' } });
    await act(async () => {
      await fake.api.tunnel.start();
      await fake.api.webhook.register();
    });
    expect(input('webhook.registered').textContent).toBe('Sí');
    expect(input('webhook.registeredUrl').textContent).toBe('https://fake-1234.ngrok-free.app/webhook');
    expect(input('webhook.registeredAt').getAttribute('data-value')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(input('ngrok.domain').value).toBe('mi-app');
  });
});
