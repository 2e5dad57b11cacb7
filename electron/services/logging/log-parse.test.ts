import { describe, expect, it } from 'vitest';
import { parseLogLine, parseLogLines } from './log-parse';
import { createValueRedactor } from './redactor';

describe('parseLogLine', () => {
  it('reads our lines', () => {
    const raw = '{"level":"WARNING","time":"2026-01-01T00:00:00.000Z","module":"ngrok","msg":"slow"}';
    expect(parseLogLine(raw, 'ngrok')).toEqual({
      file: 'ngrok',
      time: '2026-01-01T00:00:00.000Z',
      level: 'WARNING',
      module: 'ngrok',
      msg: 'slow',
      raw,
    });
  });

  it("maps pino's default numbers and labels, epoch times, and keeps foreign lines readable", () => {
    expect(parseLogLine('{"level":50,"time":0,"msg":"x"}', 'whatsapp')).toMatchObject({
      level: 'ERROR',
      time: '1970-01-01T00:00:00.000Z',
    });
    expect(parseLogLine('{"level":"fatal","msg":"x"}', 'whatsapp').level).toBe('CRITICAL');
    expect(parseLogLine('{"level":10}', 'whatsapp')).toMatchObject({ level: 'DEBUG', msg: '' });
    expect(parseLogLine('plain text', 'webhook')).toEqual({
      file: 'webhook',
      time: '',
      level: 'INFO',
      msg: 'plain text',
      raw: 'plain text',
    });
    expect(parseLogLines(['', '  ', '[1]'], 'whatsapp')).toHaveLength(1);
  });
});

describe('createValueRedactor', () => {
  it('skips values too short to redact safely and rebuilds when the secrets change', () => {
    let secrets = ['ab', 'longsecret'];
    const redact = createValueRedactor(() => secrets);
    expect(redact('ab longsecret')).toBe('ab [REDACTED]');
    secrets = ['other-secret'];
    expect(redact('longsecret other-secret')).toBe('longsecret [REDACTED]');
    expect(
      createValueRedactor(() => {
        throw new Error('x');
      })('kept'),
    ).toBe('kept');
  });
});
