// `tollgate gateway --snapshot FILE --signing-keys FILE` as a real process: the key
// ring is laid out the way the kubelet mounts a Secret (a `..data` symlink swapped
// atomically on update), and a rotation is picked up without a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicSnapshot, keyHash, startUpstream, TEST_KEY, type Upstream } from '../../test/gateway/fixtures.ts';
import { SIGNING_KEYS_SCHEMA, type SigningKey } from './signing-keys.ts';

const entry = fileURLToPath(new URL('../../test/gateway/gateway-process.ts', import.meta.url));
const SECRET = 'test-secret-0123456789abcdef';
const ISSUER = 'https://gateway.test';

let dir: string;
let upstream: Upstream;
let child: ChildProcess | undefined;
let base: string;
let admin: string;
let generation = 0;
// One key pair per kid for the whole file: a ring and a snapshot read at different
// moments must still agree on what `k1` is.
const keys = new Map<string, ReturnType<typeof makeKey>>();
const key = (kid: string, activateAt: string) => keys.get(kid) ?? (keys.set(kid, makeKey(kid, activateAt)), keys.get(kid)!);

function makeKey(kid: string, activateAt: string): { ring: SigningKey; jwk: Record<string, unknown> } {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const { d: _d, ...pub } = jwk;
  return { ring: { kid, alg: 'ES256', jwk, createdAt: activateAt, activateAt }, jwk: { ...pub, kid, alg: 'ES256' } };
}

/** Writes the snapshot (public keys) and then the ring (private keys), the ring through a kubelet-style symlink swap. */
function publish(ring: Array<ReturnType<typeof key>>): void {
  const snapshot = basicSnapshot(upstream.url, (b) => {
    b.tokens = { issuer: ISSUER, audience: 'tollgate', keys: ring.map((k) => k.jwk) };
    b.apis[0]!.auth = { required: true, apiKey: { header: 'x-api-key' }, oauth2: true, issuers: [] };
    b.applications[0]!.credentials[0]!.secretHash = keyHash(SECRET);
  });
  writeFileSync(path.join(dir, 'snapshot.tmp'), JSON.stringify(snapshot));
  renameSync(path.join(dir, 'snapshot.tmp'), path.join(dir, 'snapshot.json'));
  const mount = path.join(dir, 'keys');
  const data = `..${++generation}`;
  mkdirSync(path.join(mount, data));
  writeFileSync(
    path.join(mount, data, 'signing-keys.json'),
    JSON.stringify({ schema: SIGNING_KEYS_SCHEMA, accessTokenTtlSeconds: 600, keys: ring.map((k) => k.ring) }),
  );
  symlinkSync(data, path.join(mount, '..data_tmp'));
  renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-signing-keys-'));
  upstream = await startUpstream();
  mkdirSync(path.join(dir, 'keys'));
  publish([key('k1', '2020-01-01T00:00:00Z')]);
  symlinkSync('..data/signing-keys.json', path.join(dir, 'keys', 'signing-keys.json'));
  child = spawn(
    process.execPath,
    [
      entry,
      '--proxy-port',
      '0',
      '--admin-port',
      '0',
      '--host',
      '127.0.0.1',
      '--snapshot',
      path.join(dir, 'snapshot.json'),
      '--signing-keys',
      path.join(dir, 'keys', 'signing-keys.json'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const { proxyPort, adminPort } = await new Promise<{ proxyPort: number; adminPort: number }>((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.includes('gateway listening'));
      if (line) resolve(JSON.parse(line) as { proxyPort: number; adminPort: number });
    });
    child!.once('exit', (code) => reject(new Error(`gateway exited early with ${code}`)));
  });
  child.stdout!.resume();
  base = `http://127.0.0.1:${proxyPort}`;
  admin = `http://127.0.0.1:${adminPort}`;
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function issuedKid(): Promise<string | undefined> {
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${TEST_KEY}:${SECRET}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) return undefined;
  const accessToken = ((await res.json()) as { access_token: string }).access_token;
  const api = await fetch(`${base}/hello/1.0.0/x`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(api.status).toBe(200);
  return decodeProtectedHeader(accessToken).kid;
}

describe('tollgate gateway --signing-keys', () => {
  it('signs with the mounted ring and follows a rotation without a restart', async () => {
    expect(await issuedKid()).toBe('k1');
    publish([key('k1', '2020-01-01T00:00:00Z'), key('k2', '2021-01-01T00:00:00Z')]);
    const start = performance.now();
    while ((await issuedKid()) !== 'k2') {
      if (performance.now() - start > 10_000) throw new Error('the rotation was not picked up');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('keeps signing with the last good ring when the mounted one is broken', async () => {
    const mount = path.join(dir, 'keys');
    const data = `..${++generation}`;
    mkdirSync(path.join(mount, data));
    writeFileSync(path.join(mount, data, 'signing-keys.json'), '{"schema": "nope"');
    symlinkSync(data, path.join(mount, '..data_tmp'));
    renameSync(path.join(mount, '..data_tmp'), path.join(mount, '..data'));
    const start = performance.now();
    while (!(await (await fetch(`${admin}/metrics`)).text()).includes('tollgate_signing_key_reloads_total{result="refused"} 1')) {
      if (performance.now() - start > 10_000) throw new Error('the broken ring was not noticed');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await issuedKid()).toBe('k2');
  });
});
