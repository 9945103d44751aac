// Files mounted from a Secret, laid out as the kubelet lays them out (each key a
// symlink through `..data`, which is swapped atomically on an update): the
// publisher token and the signing keys follow a rotation without a restart, and
// nothing else in the directory makes them read again.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearerAuthoriser } from './publisher-http.ts';
import { sleep, waitFor } from '../../test/support/wait.ts';
import { startSigningKeysFile, startTokenFile } from '../../gateway/sources/file-source.ts';

let dir: string;
let version = 0;
const logger = pino({ level: 'silent' });

/** The kubelet's atomic writer: a new `..<ts>` directory, then `..data` renamed over to point at it. */
function publish(files: Record<string, string>): void {
  const ts = `..v${++version}`;
  mkdirSync(path.join(dir, ts));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, ts, name), text);
  symlinkSync(ts, path.join(dir, '..data_tmp'));
  renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const name of Object.keys(files)) {
    try {
      symlinkSync(path.join('..data', name), path.join(dir, name));
    } catch {
      // already linked through ..data
    }
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-secret-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as unknown as IncomingMessage;

describe('a token file mounted from a Secret', () => {
  it('follows a rotation without a restart, and the publisher accepts the new token and refuses the old', async () => {
    publish({ token: 'first-token\n' });
    const file = await startTokenFile(path.join(dir, 'token'), logger);
    try {
      const authorised = bearerAuthoriser(() => file.current());
      expect(file.current()).toBe('first-token');
      expect(authorised(request('first-token'))).toBe(true);
      publish({ token: 'second-token' });
      await waitFor('the new token', () => file.current() === 'second-token', 5_000);
      expect(authorised(request('second-token'))).toBe(true);
      expect(authorised(request('first-token'))).toBe(false);
      // An empty Secret value keeps the token in use rather than opening the door.
      publish({ token: '' });
      await sleep(300);
      expect(file.current()).toBe('second-token');
    } finally {
      await file.close();
    }
  });

  it('an unreadable token file at start refuses every request', async () => {
    const authorised = bearerAuthoriser(() => undefined);
    expect(authorised(request('anything'))).toBe(false);
    expect(bearerAuthoriser(undefined)(request('anything')), 'no token configured at all: loopback dev').toBe(true);
  });
});

describe('the signing keys file', () => {
  it('is read again only when it or the kubelet ..data link changes, not for other files or the same content', async () => {
    publish({ 'signing-keys.json': '{"keys":1}' });
    const applied: unknown[] = [];
    const gateway = { setSigningKeys: async (v: unknown) => void applied.push(v), metrics: { signingKeysOffered: () => {} } };
    const source = await startSigningKeysFile(gateway as never, path.join(dir, 'signing-keys.json'), logger);
    try {
      expect(applied).toEqual([{ keys: 1 }]);
      writeFileSync(path.join(dir, 'unrelated.txt'), 'x');
      writeFileSync(path.join(dir, 'notes'), 'y');
      publish({ 'signing-keys.json': '{"keys":1}' }); // same content, new ..data
      await sleep(500);
      expect(applied).toEqual([{ keys: 1 }]);
      publish({ 'signing-keys.json': '{"keys":2}' });
      await waitFor('the rotated keys', () => applied.length === 2, 5_000);
      expect(applied).toEqual([{ keys: 1 }, { keys: 2 }]);
    } finally {
      await source.close();
    }
  });
});
