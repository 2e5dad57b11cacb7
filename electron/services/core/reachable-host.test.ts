import { describe, expect, it } from 'vitest';
import { reachableHost } from './reachable-host';

describe('reachableHost', () => {
  it('maps wildcard bind addresses to loopback and brackets IPv6', () => {
    expect(reachableHost('0.0.0.0')).toBe('127.0.0.1');
    expect(reachableHost('')).toBe('127.0.0.1');
    expect(reachableHost('::')).toBe('[::1]');
    expect(reachableHost('[::]')).toBe('[::1]');
    expect(reachableHost('::1')).toBe('[::1]');
    expect(reachableHost('fe80::2')).toBe('[fe80::2]');
    expect(reachableHost(' 127.0.0.1 ')).toBe('127.0.0.1');
    expect(reachableHost('localhost')).toBe('localhost');
    expect(reachableHost('192.168.1.20')).toBe('192.168.1.20');
  });
});
