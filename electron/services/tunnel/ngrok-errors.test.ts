import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KreoError } from '../../../shared/errors';
import {
  ngrokCodeOf,
  scrubSecrets,
  TRANSLATED_NGROK_CODES,
  translateNgrokCode,
  translateNgrokError,
} from './ngrok-errors';

/** What the SDK throws for an error from ngrok's service (index.js populateErrorCode). */
function sdkError(prefix: string, text: string, code: string): Error {
  return Object.assign(new Error(`${prefix}: ${text} error_code: ${code}`), {
    code: 'GenericFailure',
    errorCode: code,
  });
}

const ctx = { domain: 'my-app.ngrok-free.app', localTarget: 'http://127.0.0.1:8000' };

describe('translateNgrokError', () => {
  it.each([
    ['ERR_NGROK_105', 'TUNNEL_AUTH_INVALID', /malformed/, /kreo ngrok configure --authtoken/],
    ['ERR_NGROK_107', 'TUNNEL_AUTH_INVALID', /not valid/, /kreo ngrok configure --authtoken/],
    ['ERR_NGROK_108', 'TUNNEL_SESSION_LIMIT', /agent sessions/, /Stop the other ngrok agent/],
    ['ERR_NGROK_121', 'TUNNEL_FAILED', /too old/, /Update/],
    ['ERR_NGROK_313', 'TUNNEL_DOMAIN_NOT_ALLOWED', /paid plans/, /free static domain/],
    ['ERR_NGROK_319', 'TUNNEL_DOMAIN_NOT_ALLOWED', /my-app\.ngrok-free\.app is not reserved/, /Reserve it/],
    ['ERR_NGROK_320', 'TUNNEL_DOMAIN_NOT_ALLOWED', /another ngrok account/, /your own account/],
    ['ERR_NGROK_326', 'TUNNEL_DOMAIN_NOT_ALLOWED', /character/, /letters, digits/],
    ['ERR_NGROK_334', 'TUNNEL_DOMAIN_IN_USE', /already online/, /Stop the other agent/],
    ['ERR_NGROK_3200', 'TUNNEL_NOT_RUNNING', /offline/, /kreo ngrok restart/],
    ['ERR_NGROK_8012', 'TUNNEL_UPSTREAM_DOWN', /http:\/\/127\.0\.0\.1:8000/, /kreo serve/],
    ['ERR_NGROK_15002', 'TUNNEL_DOMAIN_NOT_ALLOWED', /reserved domain/, /--domain/],
    ['ERR_NGROK_6024', 'TUNNEL_TEST_FAILED', /browser warning/, /ngrok-skip-browser-warning/],
  ])('%s → %s with an actionable hint', (ngrokCode, code, message, hint) => {
    const err = translateNgrokError(sdkError('failed to start listener', 'ngrok said no.', ngrokCode), ctx);
    expect(err).toBeInstanceOf(KreoError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(ngrokCode);
    expect(err.hint).toMatch(hint);
    expect(err.hint).toContain(`https://ngrok.com/docs/errors/${ngrokCode.toLowerCase()}/`);
    expect(err.details).toMatchObject({ ngrokCode, ngrokMessage: 'ngrok said no.' });
  });

  it('finds the code in the message when errorCode is missing', () => {
    const err = translateNgrokError(new Error('failed to connect session: nope error_code: ERR_NGROK_107'));
    expect(err.code).toBe('TUNNEL_AUTH_INVALID');
    expect(ngrokCodeOf({ errorCode: 'ERR_NGROK_334' })).toBe('ERR_NGROK_334');
    expect(ngrokCodeOf(new Error('plain'))).toBeNull();
  });

  it('recognises no network (observed SDK text) and names the next step', () => {
    const err = translateNgrokError(
      Object.assign(new Error('failed to connect session: failed to establish tcp connection'), {
        code: 'GenericFailure',
      }),
    );
    expect(err.code).toBe('TUNNEL_NO_NETWORK');
    expect(err.message).toMatch(/Could not reach ngrok's service/);
    expect(err.hint).toMatch(/internet connection.*kreo ngrok start/);
    const viaServer = translateNgrokError(
      new Error('failed to connect session: failed to establish tcp connection'),
      {
        serverAddr: '127.0.0.1:4443',
      },
    );
    expect(viaServer.message).toContain('127.0.0.1:4443');
    expect(viaServer.hint).toContain('ngrok.serverAddr');
  });

  it('recognises a TLS handshake error', () => {
    const err = translateNgrokError(new Error('failed to connect session: tls handshake error'));
    expect(err.code).toBe('TUNNEL_TLS');
    expect(err.hint).toMatch(/proxy|firewall/);
    expect(translateNgrokError(new Error('tls handshake error'), { serverAddr: 'x:1' }).hint).toContain(
      'ngrok.caCertPath',
    );
  });

  it('falls back to ngrok’s own words for unknown codes and plain errors', () => {
    const unknown = translateNgrokError(
      sdkError('failed to start listener', 'Something new.\nMore.', 'ERR_NGROK_9999'),
    );
    expect(unknown.code).toBe('TUNNEL_FAILED');
    expect(unknown.message).toBe('ngrok reported ERR_NGROK_9999: Something new.');
    expect(unknown.hint).toContain('https://ngrok.com/docs/errors/err_ngrok_9999/');
    const plain = translateNgrokError(new Error('the ngrok helper process exited (SIGKILL)'));
    expect(plain.code).toBe('TUNNEL_FAILED');
    expect(plain.message).toContain('helper process exited');
    expect(translateNgrokError('weird').code).toBe('TUNNEL_FAILED');
  });

  it('passes KreoErrors through', () => {
    const e = new KreoError('TUNNEL_AUTH_MISSING');
    expect(translateNgrokError(e)).toBe(e);
  });

  it('never echoes the authtoken, even when ngrok quotes it (ERR_NGROK_105)', () => {
    const token = '2abcDEFghi_jklMNOpqr-stuVWXyz0123456789';
    const text = `The authtoken you specified does not look like a proper ngrok tunnel authtoken.\r\nYour authtoken: ${token}\r\nInstructions are on your ngrok dashboard.`;
    const err = translateNgrokError(sdkError('failed to connect session', text, 'ERR_NGROK_105'), {
      secrets: [token],
    });
    expect(JSON.stringify(err.toInfo())).not.toContain(token);
    // Even when the caller forgot to pass the secret, the "authtoken:" line is masked.
    const err2 = translateNgrokError(sdkError('failed to connect session', text, 'ERR_NGROK_105'));
    expect(JSON.stringify(err2.toInfo())).not.toContain(token);
  });

  it('scrubs any secret from arbitrary SDK text (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{8,60}$/),
        fc.string(),
        fc.string(),
        (secret, before, after) => {
          const err = translateNgrokError(
            new Error(`failed to connect session: ${before}${secret}${after}`),
            {
              secrets: [secret],
            },
          );
          return !JSON.stringify(err.toInfo()).includes(secret);
        },
      ),
    );
  });

  it('every translated code yields a message and a hint', () => {
    for (const code of TRANSLATED_NGROK_CODES) {
      const err = translateNgrokCode(code, {});
      expect(err.message.length).toBeGreaterThan(10);
      expect(err.hint?.length).toBeGreaterThan(10);
      expect(err.details?.ngrokCode).toBe(code);
    }
  });

  it('scrubSecrets masks values and authtoken lines', () => {
    expect(scrubSecrets('token=abcd1234 ok', ['abcd1234'])).toBe('token=•••• ok');
    expect(scrubSecrets('Your authtoken: xyz')).toBe('Your authtoken: ••••');
  });
});
