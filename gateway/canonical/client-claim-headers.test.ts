import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import { TEST_KEY, basicSnapshot, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';
import { CLIENT_CLAIM_HEADERS } from './raw-headers.ts';

// Every header a client might use to claim an address, a path or an identity,
// sent through a real gateway: the upstream must never see the client's value.
let upstream: Upstream;
let gw: Gateway;
beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(basicSnapshot(upstream.url));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

/** A prefix row is tried with a name the prefix alone would catch, and with a well-known one. */
const SAMPLES: Record<string, string[]> = {
  'x-forwarded-*': [
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'x-forwarded-port',
    'x-forwarded-prefix',
    'x-forwarded-user',
    'x-forwarded-anything',
  ],
  'x-envoy-*': ['x-envoy-original-path', 'x-envoy-external-address', 'x-envoy-internal', 'x-envoy-anything'],
  'x-consumer-*': ['x-consumer-username', 'x-consumer-id', 'x-consumer-anything'],
  'x-auth-request-*': ['x-auth-request-user', 'x-auth-request-email', 'x-auth-request-anything'],
  'x-wso2-*': ['x-wso2-enduser', 'x-wso2-anything'],
  'x-apigee-*': ['x-apigee-developer-email', 'x-apigee-anything'],
  'x-ms-client-principal*': ['x-ms-client-principal', 'x-ms-client-principal-name', 'x-ms-client-principal-id', 'x-ms-client-principal-idp'],
  'x-amzn-oidc-*': ['x-amzn-oidc-identity', 'x-amzn-oidc-data', 'x-amzn-oidc-anything'],
  'x-goog-authenticated-user-*': ['x-goog-authenticated-user-email', 'x-goog-authenticated-user-id'],
  'x-tollgate-*': ['x-tollgate-application', 'x-tollgate-product', 'x-tollgate-anything'],
};

const rows = CLIENT_CLAIM_HEADERS.map((row) => ({ row, names: row.endsWith('*') ? (SAMPLES[row] ?? []) : [row] }));

/** The brief's minimum: the table may grow, never lose one of these. */
const REQUIRED = [
  'forwarded',
  'x-forwarded-*',
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-cluster-client-ip',
  'x-client-ip',
  'client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-original-url',
  'x-rewrite-url',
  'x-original-uri',
  'x-original-path',
  'x-original-host',
  'x-original-method',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-envoy-*',
  'x-remote-user',
  'remote-user',
  'x-authenticated-user',
  'x-auth-request-*',
  'x-user',
  'x-userinfo',
  'x-consumer-*',
  'x-apigee-*',
  'x-wso2-*',
  'x-jwt-assertion',
  'x-ms-client-principal*',
  'x-amzn-oidc-*',
  'x-goog-authenticated-user-*',
  'x-tollgate-*',
];

describe('headers a client may not claim', () => {
  it.each(rows)('$row never reaches the upstream with the client value', async ({ row, names }) => {
    expect(names.length, `no sample names for the prefix row ${row}`).toBeGreaterThan(0);
    const headers: Record<string, string> = { 'x-api-key': TEST_KEY, 'x-kept': 'kept' };
    for (const name of names) headers[name] = `spoofed-${name}`;
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', { headers });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    for (const name of names) expect(JSON.stringify(seen.rawHeaders), name).not.toContain(`spoofed-${name}`);
    expect(seen.headers['x-kept']).toBe('kept');
  });

  it('leaves ordinary headers that merely look alike alone', async () => {
    const res = await send(gw.proxyPort, '/hello/1.0.0/x', {
      headers: { 'x-api-key': TEST_KEY, 'x-userland': 'a', 'x-original-colour': 'b', 'x-envoyer': 'c' },
    });
    expect(res.status).toBe(200);
    expect(upstream.seen.at(-1)!.headers).toMatchObject({ 'x-userland': 'a', 'x-original-colour': 'b', 'x-envoyer': 'c' });
  });

  it('covers at least the required rows', () => {
    for (const name of REQUIRED) expect(CLIENT_CLAIM_HEADERS).toContain(name);
  });

  it('are all named in FORWARDED-HEADERS.md', () => {
    const doc = readFileSync(new URL('./FORWARDED-HEADERS.md', import.meta.url), 'utf8');
    for (const name of CLIENT_CLAIM_HEADERS) expect(doc, name).toContain(`\`${name}\``);
  });
});
