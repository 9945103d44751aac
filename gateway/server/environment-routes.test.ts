import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import type { Snapshot } from '../snapshot/types.ts';
import { sealSnapshot } from '../snapshot/version.ts';
import { api, send, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// One context and version per environment (a sandbox and a production upstream):
// gateways of each environment route the shared path to their own upstream, and
// a gateway of no environment refuses it rather than pick one or fall through to
// the shorter base path another API serves.
let sandbox: Upstream;
let production: Upstream;
let fallback: Upstream;
const gateways = new Map<string, Gateway>();
const open = { required: false, oauth2: false, issuers: [] };

function perEnvironmentSnapshot(): Snapshot {
  return sealSnapshot({
    schema: 'tollgate.dev/snapshot/v1',
    routes: [
      { host: '*', basePath: '/pay', api: 'team-a/pay-fallback' },
      { host: '*', basePath: '/pay/v1', api: 'team-a/pay' },
      { host: '*', basePath: '/pay/v1', api: 'team-a/pay-sandbox' },
    ],
    apis: [
      api({ name: 'pay', context: '/pay', version: 'v1', environments: ['prod'], upstreamUrl: `${production.url}/production`, auth: open }),
      api({ name: 'pay-fallback', context: '/pay', version: 'v0', upstreamUrl: `${fallback.url}/fallback`, auth: open }),
      api({ name: 'pay-sandbox', context: '/pay', version: 'v1', environments: ['test'], upstreamUrl: `${sandbox.url}/sandbox`, auth: open }),
    ],
    products: [],
    applications: [],
    subscriptions: [],
    inactiveSubscriptions: [],
  });
}

beforeAll(async () => {
  [sandbox, production, fallback] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
  const snapshot = perEnvironmentSnapshot();
  for (const environment of ['test', 'prod', 'staging', 'none']) {
    gateways.set(environment, await startGateway(snapshot, environment === 'none' ? {} : { environment }));
  }
});
afterAll(async () => {
  await Promise.all([...gateways.values()].map((g) => g.close()));
  await Promise.all([sandbox, production, fallback].map((u) => u.close()));
});

describe('one path, one API per environment', () => {
  it.each([
    { gateway: 'test', status: 200, url: '/sandbox/charges' },
    { gateway: 'prod', status: 200, url: '/production/charges' },
    // Neither API is deployed to staging, so that gateway routes as if they did not exist: to the shorter base path.
    { gateway: 'staging', status: 200, url: '/fallback/v1/charges' },
    { gateway: 'none', status: 404, code: 'environment-required' },
  ])('a gateway of environment $gateway answers $status', async ({ gateway, status, url, code }) => {
    const seen = [sandbox, production, fallback].map((u) => u.seen.length);
    const res = await send(gateways.get(gateway)!.proxyPort, '/pay/v1/charges');
    expect(res.status).toBe(status);
    if (url) expect(res.json().url).toBe(url);
    if (code) {
      expect(res.json().code).toBe(code);
      expect([sandbox, production, fallback].map((u) => u.seen.length)).toEqual(seen);
    }
  });

  it('serves the unshared base path at every gateway', async () => {
    for (const g of gateways.values()) expect((await send(g.proxyPort, '/pay/x')).json().url).toBe('/fallback/x');
  });
});
