import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskUrl, stripUserinfo, unmaskUrl, urlSecrets, withUserinfo } from './url-credentials';

const M = '••••••••';

describe('URL credentials', () => {
  it('splits the userinfo off at the last @ of the authority, and joins it back byte for byte', () => {
    expect(stripUserinfo('redis://:pw@127.0.0.1:6379/0')).toEqual({
      bare: 'redis://127.0.0.1:6379/0',
      userinfo: ':pw',
    });
    expect(stripUserinfo('https://u:p@ss@host/a@b?c=@d#@')).toEqual({
      bare: 'https://host/a@b?c=@d#@',
      userinfo: 'u:p@ss',
    });
    // An @ after the authority is not a userinfo; neither is an empty one.
    for (const url of ['http://host/x@y', 'http://host?x=a@b', 'http://@host/', 'redis://127.0.0.1:6379', ''])
      expect(stripUserinfo(url)).toEqual({ bare: url, userinfo: '' });
    expect(withUserinfo('rediss://h:6380/2', 'default:s3cr%40t')).toBe('rediss://default:s3cr%40t@h:6380/2');
    expect(withUserinfo('rediss://h:6380/2', '')).toBe('rediss://h:6380/2');
  });

  it('masks the password, or a userinfo without a colon as a whole', () => {
    expect(maskUrl('redis://:pw@127.0.0.1:6379/0')).toBe(`redis://:${M}@127.0.0.1:6379/0`);
    expect(maskUrl('http://alice:wonder@127.0.0.1:3000/hook')).toBe(`http://alice:${M}@127.0.0.1:3000/hook`);
    expect(maskUrl('https://ghp_tokenvalue@host/hook')).toBe(`https://${M}@host/hook`);
    expect(maskUrl('redis://user:@h')).toBe('redis://user:@h');
    expect(maskUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(urlSecrets('http://alice:p%40ss%20w@h/')).toEqual(['p%40ss%20w', 'p@ss w']);
    expect(urlSecrets('https://tok@h/')).toEqual(['tok']);
    expect(urlSecrets('http://alice:@h/')).toEqual([]);
    expect(urlSecrets('http://h/')).toEqual([]);
  });

  it('unmasks what a UI sends back: the masked URL itself, or an edit that kept the masked password', () => {
    const current = 'redis://app:hunter2secret@old:6379/0';
    expect(unmaskUrl(`redis://app:${M}@old:6379/0`, current)).toBe(current);
    expect(unmaskUrl(`redis://app:${M}@new:6380/1`, current)).toBe('redis://app:hunter2secret@new:6380/1');
    expect(unmaskUrl(`redis://other:${encodeURIComponent(M)}@new/1`, current)).toBe(
      'redis://other:hunter2secret@new/1',
    );
    expect(unmaskUrl('redis://app:fresh@new/1', current)).toBe('redis://app:fresh@new/1');
    expect(unmaskUrl('redis://new/1', current)).toBe('redis://new/1');
    // Nothing to put back: as typed.
    expect(unmaskUrl(`redis://:${M}@new/1`, 'redis://old/1')).toBe(`redis://:${M}@new/1`);
  });

  it('for any userinfo: strip then join is the identity, the mask replaces exactly the secret, unmask undoes it', () => {
    const userinfo = fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{1,30}$/).filter((u) => u.length > 0);
    const host = fc.constantFrom('127.0.0.1:6379/0', 'h', 'example.test:3000/hook?x=1#y');
    fc.assert(
      fc.property(
        fc.constantFrom('redis://', 'rediss://', 'http://', 'https://'),
        userinfo,
        host,
        (s, u, h) => {
          const url = `${s}${u}@${h}`;
          const { bare, userinfo: got } = stripUserinfo(url);
          expect(withUserinfo(bare, got)).toBe(url);
          expect(bare).toBe(`${s}${h}`);
          expect(unmaskUrl(maskUrl(url), url)).toBe(url);
          const colon = u.indexOf(':');
          const [visible, secret] = colon < 0 ? ['', u] : [u.slice(0, colon + 1), u.slice(colon + 1)];
          expect(maskUrl(url)).toBe(secret ? `${s}${visible}${M}@${h}` : url);
        },
      ),
    );
  });
});
