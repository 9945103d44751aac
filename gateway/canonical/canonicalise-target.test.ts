import { describe, expect, it } from 'vitest';
import { canonicaliseTarget } from './canonicalise-target.ts';

describe('canonicaliseTarget', () => {
  const accepted: Array<[string, string, string | undefined, string[]]> = [
    ['/', '/', undefined, []],
    ['/hello/1.0.0', '/hello/1.0.0', undefined, ['hello', '1.0.0']],
    ['/hello/1.0.0/', '/hello/1.0.0/', undefined, ['hello', '1.0.0', '']],
    ['/a/b?x=1&y=2', '/a/b', 'x=1&y=2', ['a', 'b']],
    ['/a?', '/a', '', ['a']],
    ['/a?q=/..;%2F?', '/a', 'q=/..;%2F?', ['a']],
    ['/caf%C3%A9', '/caf%C3%A9', undefined, ['café']],
    ['/a%20b', '/a%20b', undefined, ['a b']],
    ['/a/...', '/a/...', undefined, ['a', '...']],
    ['/a/.b/c.', '/a/.b/c.', undefined, ['a', '.b', 'c.']],
    ["/a:b@c!$&'()*+,=~_-", "/a:b@c!$&'()*+,=~_-", undefined, ["a:b@c!$&'()*+,=~_-"]],
  ];
  it.each(accepted)('accepts %j', (target, path, query, segments) => {
    expect(canonicaliseTarget(target)).toEqual({ ok: true, path, query, segments });
  });

  const rejected: Array<[string, string]> = [
    ['http://evil.example/hello', 'not-origin-form'],
    ['evil.example:443', 'not-origin-form'],
    ['*', 'not-origin-form'],
    ['', 'not-origin-form'],
    ['//evil.example/hello', 'empty-segment'],
    ['/hello//admin', 'empty-segment'],
    ['/hello/../admin', 'dot-segment'],
    ['/hello/./admin', 'dot-segment'],
    ['/hello/..', 'dot-segment'],
    ['/hello/%2e%2e/admin', 'encoded-delimiter'],
    ['/hello/%2E%2E/admin', 'encoded-delimiter'],
    ['/hello/.%2e/admin', 'encoded-delimiter'],
    ['/hello%2fadmin', 'encoded-delimiter'],
    ['/hello%2Fadmin', 'encoded-delimiter'],
    ['/hello%5cadmin', 'encoded-delimiter'],
    ['/hello%252e%252e/admin', 'encoded-delimiter'],
    ['/hello%00', 'encoded-delimiter'],
    ['/hello%0d%0aX: y', 'encoded-delimiter'],
    ['/hello%3badmin', 'encoded-delimiter'],
    ['/hello%3Fx', 'encoded-delimiter'],
    ['/hello%23x', 'encoded-delimiter'],
    ['/%68ello', 'encoded-unreserved'],
    ['/hello%7e', 'encoded-unreserved'],
    ['/hello\\..\\admin', 'invalid-character'],
    ['/hello\\admin', 'invalid-character'],
    ['/hello\u0000', 'invalid-character'],
    ['/hello\t', 'invalid-character'],
    ['/hello world', 'invalid-character'],
    ['/héllo', 'invalid-character'],
    ['/hello<x>', 'invalid-character'],
    ['/hello?a=<x>', 'invalid-character'],
    ['/hello?a=\\', 'invalid-character'],
    ['/hello;jsessionid=1', 'path-parameter'],
    ['/hello/..;/admin', 'path-parameter'],
    ['/hello#frag', 'fragment'],
    ['/hello?x#frag', 'fragment'],
    ['/hello%zz', 'bad-percent-encoding'],
    ['/hello%2', 'bad-percent-encoding'],
    ['/hello?a=%zz', 'bad-percent-encoding'],
    ['/hello%C3%28', 'invalid-utf8'],
    ['/hello%FF', 'invalid-utf8'],
  ];
  it.each(rejected)('rejects %j as %s', (target, reason) => {
    expect(canonicaliseTarget(target)).toEqual({ ok: false, reason });
  });

  it('accepts only targets that the WHATWG URL parser leaves exactly as they are', () => {
    // The property that makes forwarding safe whichever parser sits upstream.
    for (const [target] of accepted) {
      const url = new URL(target, 'http://base.invalid');
      const result = canonicaliseTarget(target);
      if (!result.ok) throw new Error('accepted table entry was rejected');
      expect(url.pathname).toBe(result.path);
    }
  });
});
