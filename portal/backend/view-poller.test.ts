import { afterEach, describe, expect, it } from 'vitest';
import { createSnapshotPublisher, type SnapshotPublisher } from '../../operator/publish/snapshot-publisher.ts';
import type { PortalView } from '../../operator/portal-view/portal-view.ts';
import { portalProduct } from '../../test/portal/portal-product.ts';
import { PortalViewPoller } from './view-poller.ts';

const view = (name: string): PortalView => ({
  products: [portalProduct('p', name)],
  apis: [],
  applications: [],
  subscriptions: [],
});

let publisher: SnapshotPublisher | undefined;
afterEach(async () => {
  await publisher?.close();
});

describe('PortalViewPoller and the publisher /v1/portal-view', () => {
  it('reads the operator view with the bearer token, keeps the last good one while the operator refuses', async () => {
    let current: PortalView | undefined;
    publisher = await createSnapshotPublisher({ port: 0, host: '127.0.0.1', token: 'sesame', portalView: () => current });
    const url = `http://127.0.0.1:${publisher.port}`;
    expect((await fetch(`${url}/v1/portal-view`)).status).toBe(401);
    expect((await fetch(`${url}/v1/portal-view`, { headers: { authorization: 'Bearer sesame' } })).status).toBe(503);
    const poller = new PortalViewPoller(url, { token: 'sesame' });
    expect(await poller.poll()).toBe(false);
    expect(poller.view().products).toEqual([]);
    current = view('first');
    expect(await poller.poll()).toBe(true);
    expect(poller.view().products.map((p) => p.name)).toEqual(['first']);
    current = undefined;
    expect(await poller.poll()).toBe(false);
    expect(poller.view().products.map((p) => p.name)).toEqual(['first']);
    expect(await new PortalViewPoller(url, { token: 'wrong' }).poll()).toBe(false);
  });
});
