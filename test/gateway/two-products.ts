// An estate for application- and API-wide limits: two APIs (`/hello`, `/world`), each in
// its own product (gold, silver), one application subscribed to both.
import type { Snapshot } from '../../gateway/snapshot/types.ts';
import type { SnapshotBody } from '../../gateway/snapshot/version.ts';
import { api, basicSnapshot, product, subscription } from './fixtures.ts';

export function twoProducts(upstreamUrl: string, change: (body: SnapshotBody) => void = () => {}): Snapshot {
  return basicSnapshot(upstreamUrl, (b) => {
    b.routes.push({ host: '*', basePath: '/world/1.0.0', api: 'team-a/world' });
    b.apis.push(api({ name: 'world', context: '/world', upstreamUrl }));
    b.products.push(
      product({
        id: 'team-a/silver',
        name: 'silver',
        displayName: 'Silver',
        operations: [{ api: 'team-a/world', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] }],
      }),
    );
    b.subscriptions.push(subscription({ id: 'team-b/app-silver', product: 'team-a/silver' }));
    change(b);
  });
}
