import { describe, expect, it } from 'vitest';
import { callbackUrl } from './callback-url';

describe('callbackUrl', () => {
  it('joins a base URL and the webhook path with exactly one slash', () => {
    expect(callbackUrl('https://a.ngrok-free.app', '/webhook')).toBe('https://a.ngrok-free.app/webhook');
    expect(callbackUrl('https://a.ngrok-free.app/', '/webhook')).toBe('https://a.ngrok-free.app/webhook');
    expect(callbackUrl('https://a.ngrok-free.app//', 'webhook')).toBe('https://a.ngrok-free.app/webhook');
    expect(callbackUrl('http://127.0.0.1:8000', '/hooks/meta')).toBe('http://127.0.0.1:8000/hooks/meta');
    expect(callbackUrl('http://[::1]:8000', '/webhook')).toBe('http://[::1]:8000/webhook');
  });

  it('keeps a path under the base URL’s own path', () => {
    expect(callbackUrl('https://proxy.example.com/dev/', '/webhook')).toBe(
      'https://proxy.example.com/dev/webhook',
    );
  });

  it('keeps a base that already ends with the path, and drops its query and fragment', () => {
    expect(callbackUrl('https://a.ngrok-free.app/webhook', '/webhook')).toBe(
      'https://a.ngrok-free.app/webhook',
    );
    expect(callbackUrl('https://a.ngrok-free.app/webhook/', '/webhook')).toBe(
      'https://a.ngrok-free.app/webhook/',
    );
    expect(callbackUrl('https://a.ngrok-free.app/?x=1#top', '/webhook')).toBe(
      'https://a.ngrok-free.app/webhook',
    );
  });

  it('refuses a base that is not a URL', () => {
    expect(() => callbackUrl('not a url', '/webhook')).toThrow();
  });
});
