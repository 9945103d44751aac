import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { csrfMatches, sessionCookies } from './session.ts';

const key = new Uint8Array(32).fill(7);
const request = (cookie: string) => ({ headers: { cookie } }) as IncomingMessage;

describe('session cookies', () => {
  it('round-trips an encrypted session; a tampered, foreign-keyed or expired cookie is no session', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cookies = sessionCookies({ key, secure: true, maxAgeSeconds: 60, now: () => now });
    const header = await cookies.write({ csrf: 'token-1', user: { id: 'a', name: 'A', groups: [], teams: ['t'], approver: false } });
    expect(header).toMatch(/^__Host-tollgate-session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=60$/);
    const value = header.split(';')[0]!;
    expect((await cookies.read(request(value)))?.user?.teams).toEqual(['t']);
    const tampered = value.slice(0, -3) + (value.endsWith('AAA') ? 'BBB' : 'AAA');
    expect(await cookies.read(request(tampered))).toBeUndefined();
    const other = sessionCookies({ key: new Uint8Array(32).fill(8), secure: true, now: () => now });
    expect(await other.read(request(value))).toBeUndefined();
    now += 61_000;
    expect(await cookies.read(request(value))).toBeUndefined();
  });

  it('compares CSRF tokens exactly', () => {
    const session = { csrf: 'abc' };
    expect([csrfMatches(session, 'abc'), csrfMatches(session, 'abd'), csrfMatches(session, 'ab'), csrfMatches(session, undefined)]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
