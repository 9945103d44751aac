import { afterAll, describe, expect, it } from 'vitest';
import { RemoteKeySets } from '../auth/jwt-verifier.ts';
import { UpstreamClients } from '../proxy/upstream-pool.ts';
import { basicSnapshot, product, subscription } from '../../test/gateway/fixtures.ts';
import { buildRuntime, type RuntimeCaches } from './runtime-snapshot.ts';

const caches: RuntimeCaches = { clients: new UpstreamClients(), keySets: new RemoteKeySets(), pools: new Map() };
afterAll(() => caches.clients.destroy());

// Environment filtering happens here, once per snapshot: request-time code sees only this gateway's products.
describe('buildRuntime: products by environment', () => {
  it.each<{ name: string; gateway: string | undefined; environments: string[]; kept: boolean }>([
    { name: 'every environment, at a gateway of one', gateway: 'prod', environments: [], kept: true },
    { name: 'this environment', gateway: 'prod', environments: ['prod'], kept: true },
    { name: 'this among others', gateway: 'prod', environments: ['test', 'prod'], kept: true },
    { name: 'another environment', gateway: 'prod', environments: ['test'], kept: false },
    { name: 'some environments, at a gateway of every one', gateway: undefined, environments: ['test'], kept: true },
    { name: 'every environment, at a gateway of every one', gateway: undefined, environments: [], kept: true },
  ])('$name', ({ gateway, environments, kept }) => {
    const snapshot = basicSnapshot('http://127.0.0.1:1', (b) => {
      b.products.push(product({ id: 'team-a/silver', name: 'silver', environments }));
      b.subscriptions.push(subscription({ id: 'team-b/app-silver', product: 'team-a/silver' }));
      b.inactiveSubscriptions.push({ id: 'team-b/app-silver-old', application: 'team-b/app', product: 'team-a/silver', state: 'Revoked' });
    });
    const runtime = buildRuntime(snapshot, caches, gateway);
    expect(runtime.products.has('team-a/silver')).toBe(kept);
    expect(runtime.products.has('team-a/gold')).toBe(true);
    expect(runtime.subscriptionsByApplication.get('team-b/app')!.map((s) => s.product)).toEqual(kept ? ['team-a/gold', 'team-a/silver'] : ['team-a/gold']);
    expect((runtime.inactiveSubscriptionsByApplication.get('team-b/app') ?? []).map((s) => s.id)).toEqual(kept ? ['team-b/app-silver-old'] : []);
  });
});
