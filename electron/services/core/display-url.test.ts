import { describe, expect, it } from 'vitest';
import { withoutCredentials } from './display-url';

describe('withoutCredentials', () => {
  it('removes user and password and keeps everything else', () => {
    expect(withoutCredentials('redis://:s3cret@127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
    expect(withoutCredentials('redis://default:s3cret@redis.example.com:6380/2')).toBe(
      'redis://redis.example.com:6380/2',
    );
    expect(withoutCredentials('https://user:pw@hooks.example.com/in?x=1')).toBe(
      'https://hooks.example.com/in?x=1',
    );
    expect(withoutCredentials('https://TOKEN@hooks.example.com/in')).toBe('https://hooks.example.com/in');
  });

  it('leaves a URL without credentials exactly as written', () => {
    expect(withoutCredentials('redis://127.0.0.1:1/0')).toBe('redis://127.0.0.1:1/0');
    expect(withoutCredentials('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });

  it('strips the userinfo of text that does not parse as a URL', () => {
    expect(withoutCredentials('redis://:pw@bad host:99999')).toBe('redis://bad host:99999');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });
});
