// The HTTPS listener: SNI over several certificates, certificates reloaded without a
// restart, and Application credentials that are client certificates (by fingerprint,
// or by subject when the gateway's client CA signed them), over real TLS.
import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import type { Snapshot } from '../snapshot/types.ts';
import { TEST_KEY, application, basicSnapshot, keyHash, startGateway, startUpstream, subscription, type Upstream } from '../../test/gateway/fixtures.ts';
import { makeCa, makeLeaf, type Pair } from '../../test/gateway/tls-pki.ts';

let dir: string;
let upstream: Upstream;
let gw: Gateway;
let ca: { cert: string; key: string };
let serverA: Pair;
let serverB: Pair;
let serverA2: Pair;
let appCert: Pair;
let bySubject: Pair;
let selfSignedSameSubject: Pair;
let stranger: Pair;
let otherAppCert: Pair;
let liveDir: string;

const OTHER_KEY = 'other-key-0123456789abcdef';

function snapshot(mode: 'optional' | 'required'): Snapshot {
  return basicSnapshot(upstream.url, (b) => {
    b.apis[0]!.auth.clientCertificate = mode;
    b.applications = [
      application(TEST_KEY, {
        clientCertificates: [
          { name: 'laptop', fingerprint: appCert.fingerprint },
          { name: 'service', subject: bySubject.subject },
        ],
      }),
      application(OTHER_KEY, {
        id: 'team-b/other',
        name: 'other',
        credentials: [{ name: 'main', keyHash: keyHash(OTHER_KEY), revoked: false }],
        clientCertificates: [{ name: 'other', fingerprint: otherAppCert.fingerprint }],
      }),
    ];
    b.subscriptions = [subscription(), subscription({ id: 'team-b/other-gold', application: 'team-b/other' })];
  });
}

interface TlsAnswer {
  status: number;
  code?: string;
  serverSubject: string;
  application?: string;
}

function call(options: { client?: Pair; key?: string; servername?: string }): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: gw.tlsPort,
        path: '/hello/1.0.0/whoami',
        servername: options.servername ?? 'api.example.test',
        ca: [serverA.cert, serverB.cert, serverA2.cert],
        ...(options.client ? { cert: options.client.cert, key: options.client.key } : {}),
        headers: options.key ? { 'x-api-key': options.key } : {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          const peer = (res.socket as TLSSocket).getPeerCertificate();
          const json = JSON.parse(body || '{}') as { code?: string; headers?: Record<string, string> };
          const answer: TlsAnswer = { status: res.statusCode ?? 0, serverSubject: String(peer.subject?.CN ?? '') };
          if (json.code) answer.code = json.code;
          if (json.headers?.['x-tollgate-application']) answer.application = json.headers['x-tollgate-application'];
          resolve(answer);
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-mtls-'));
  ca = await makeCa(path.join(dir, 'ca'));
  const serverExt = (names: string) => ['extendedKeyUsage=serverAuth', `subjectAltName=${names}`];
  [serverA, serverB, serverA2, appCert, bySubject, selfSignedSameSubject, stranger, otherAppCert] = await Promise.all([
    makeLeaf(path.join(dir, 'server-a'), '/CN=server-a', serverExt('DNS:api.example.test,DNS:localhost')),
    makeLeaf(path.join(dir, 'server-b'), '/CN=server-b', serverExt('DNS:*.other.test')),
    makeLeaf(path.join(dir, 'server-a2'), '/CN=server-a-rotated', serverExt('DNS:api.example.test,DNS:localhost')),
    makeLeaf(path.join(dir, 'app'), '/CN=laptop', ['extendedKeyUsage=clientAuth']),
    makeLeaf(path.join(dir, 'by-subject'), '/O=team-b/CN=billing-service', ['extendedKeyUsage=clientAuth'], ca),
    makeLeaf(path.join(dir, 'forged'), '/O=team-b/CN=billing-service', ['extendedKeyUsage=clientAuth']),
    makeLeaf(path.join(dir, 'stranger'), '/CN=stranger', ['extendedKeyUsage=clientAuth'], ca),
    makeLeaf(path.join(dir, 'other-app'), '/CN=other', ['extendedKeyUsage=clientAuth']),
  ]);
  liveDir = path.join(dir, 'live');
  cpSync(serverA.dir, liveDir, { recursive: true });
  upstream = await startUpstream();
  gw = await startGateway(undefined, { tls: { port: 0, certDirs: [liveDir, serverB.dir], clientCa: ca.cert } });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  upstream.seen.length = 0;
});

describe('client certificates as Application credentials', () => {
  const cases: Array<{ name: string; mode: 'optional' | 'required'; client?: () => Pair; key?: string; status: number; code?: string; application?: string }> =
    [
      { name: 'a registered fingerprint alone', mode: 'optional', client: () => appCert, status: 200, application: 'team-b/app' },
      { name: 'a subject the client CA signed', mode: 'optional', client: () => bySubject, status: 200, application: 'team-b/app' },
      { name: 'the same subject, self-signed', mode: 'optional', client: () => selfSignedSameSubject, status: 401, code: 'credentials-invalid' },
      { name: 'a CA-signed certificate no Application lists', mode: 'optional', client: () => stranger, status: 401, code: 'credentials-invalid' },
      { name: 'an unknown certificate with a valid key', mode: 'optional', client: () => stranger, key: TEST_KEY, status: 401, code: 'credentials-invalid' },
      { name: 'no certificate, an API key (optional)', mode: 'optional', key: TEST_KEY, status: 200, application: 'team-b/app' },
      { name: 'nothing at all', mode: 'optional', status: 401, code: 'credentials-missing' },
      { name: 'an API key without the required certificate', mode: 'required', key: TEST_KEY, status: 401, code: 'credentials-missing' },
      {
        name: 'the certificate and the key of one application',
        mode: 'required',
        client: () => appCert,
        key: TEST_KEY,
        status: 200,
        application: 'team-b/app',
      },
      {
        name: 'the certificate of another application than the key',
        mode: 'required',
        client: () => otherAppCert,
        key: TEST_KEY,
        status: 401,
        code: 'credentials-invalid',
      },
      { name: 'the required certificate alone', mode: 'required', client: () => otherAppCert, status: 200, application: 'team-b/other' },
    ];
  it.each(cases)('$name ($mode): $status', async (c) => {
    expect(gw.applySnapshot(snapshot(c.mode)).ok).toBe(true);
    const answer = await call({ ...(c.client ? { client: c.client() } : {}), ...(c.key ? { key: c.key } : {}) });
    expect(answer.status).toBe(c.status);
    if (c.code) expect(answer.code).toBe(c.code);
    if (c.application) expect(answer.application).toBe(c.application);
    expect(upstream.seen).toHaveLength(c.status === 200 ? 1 : 0);
  });
});

describe('the HTTPS listener', () => {
  it('picks the certificate by SNI, and the first one for an unknown name', async () => {
    expect(gw.applySnapshot(snapshot('optional')).ok).toBe(true);
    expect((await call({ key: TEST_KEY, servername: 'api.example.test' })).serverSubject).toBe('server-a');
    expect((await call({ key: TEST_KEY, servername: 'eu.other.test' })).serverSubject).toBe('server-b');
  });

  it('serves a rotated certificate without a restart', async () => {
    expect(gw.applySnapshot(snapshot('optional')).ok).toBe(true);
    cpSync(serverA2.dir, liveDir, { recursive: true });
    let subject = '';
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && subject !== 'server-a-rotated') {
      await new Promise((r) => setTimeout(r, 100));
      subject = (await call({ key: TEST_KEY })).serverSubject;
    }
    expect(subject).toBe('server-a-rotated');
  });
});
