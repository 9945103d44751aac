// Backend client certificates: the gateway presents the Secret's tls.crt/tls.key to an
// https upstream that requires one (mutual TLS toward the backend), and refuses the
// request with 503 when the Secret is missing instead of connecting without it.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, startGateway } from '../../test/gateway/fixtures.ts';
import { makeCa, makeLeaf, type Pair } from '../../test/gateway/tls-pki.ts';

let dir: string;
let server: https.Server;
let upstreamUrl: string;
let gw: Gateway;
let ca: { cert: string; key: string };
let serverPair: Pair;
let gatewayPair: Pair;
const seen: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-backend-cert-'));
  ca = await makeCa(path.join(dir, 'ca'));
  [serverPair, gatewayPair] = await Promise.all([
    makeLeaf(path.join(dir, 'server'), '/CN=backend', ['extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1'], ca),
    makeLeaf(path.join(dir, 'gateway'), '/CN=tollgate-gateway', ['extendedKeyUsage=clientAuth'], ca),
  ]);
  const secrets = path.join(dir, 'secrets');
  mkdirSync(path.join(secrets, 'team-a'), { recursive: true });
  cpSync(gatewayPair.dir, path.join(secrets, 'team-a', 'backend-mtls'), { recursive: true });
  server = https.createServer({ cert: serverPair.cert, key: serverPair.key, ca: readCa(), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    seen.push((req.socket as TLSSocket).getPeerCertificate().subject?.CN as string);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  upstreamUrl = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  gw = await startGateway(undefined, { secretsDir: secrets });
});
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const readCa = (): Buffer => readFileSync(ca.cert);

function snapshot(secretName: string) {
  return basicSnapshot(upstreamUrl, (b) => {
    b.apis[0]!.upstream.tls = { insecureSkipVerify: false, caBundle: readFileSync(ca.cert, 'utf8') };
    b.apis[0]!.policies = { backendAuth: { kind: 'clientCertificate', secret: { namespace: 'team-a', name: secretName } } };
  });
}

describe('backend client certificate', () => {
  it('presents the Secret certificate to an upstream that requires one', async () => {
    expect(gw.applySnapshot(snapshot('backend-mtls')).ok).toBe(true);
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } });
    expect(res.status).toBe(200);
    expect(seen).toEqual(['tollgate-gateway']);
  });

  it('refuses with 503 when the Secret is missing, and the upstream sees nothing', async () => {
    seen.length = 0;
    expect(gw.applySnapshot(snapshot('absent')).ok).toBe(true);
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers: { 'x-api-key': TEST_KEY } });
    expect(res.status).toBe(503);
    expect(res.json().code).toBe('backend-credentials-unavailable');
    expect(seen).toEqual([]);
  });
});
