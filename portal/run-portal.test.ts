import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnapshotPublisher, type SnapshotPublisher } from '../operator/publish/snapshot-publisher.ts';
import type { PortalView } from '../operator/portal-view/portal-view.ts';
import { runPortal } from './run-portal.ts';

// The probes the chart's portal Deployment uses (charts/tollgate, config/portal): /healthz
// while the process answers, /readyz once the operator's publisher has given a portal view.
let dir: string;
let publisher: SnapshotPublisher;
let view: PortalView | undefined;
let portal: Awaited<ReturnType<typeof runPortal>>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-run-portal-'));
  const kubeconfig = join(dir, 'kubeconfig');
  // Never called here: the probes read no Kubernetes object.
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  publisher = await createSnapshotPublisher({ port: 0, host: '127.0.0.1', token: 'sesame', portalView: () => view });
  portal = await runPortal({
    port: 0,
    host: '127.0.0.1',
    operatorUrl: `http://127.0.0.1:${publisher.port}`,
    operatorToken: 'sesame',
    kubeconfig,
    gatewayOrigins: [],
    oidc: { issuer: 'https://idp.invalid', clientId: 'portal', scopes: 'openid', groupsClaim: 'groups' },
    anonymous: false,
    logger: pino({ level: 'silent' }),
  });
});
afterAll(async () => {
  await portal?.close();
  await publisher?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, method = 'GET') => fetch(`${portal.url}${path}`, { method });

describe('tollgate portal probes', () => {
  it('is live at once, ready only once the operator gave a view, and stays ready while the operator is away', async () => {
    const live = await get('/healthz');
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    expect(live.headers.get('set-cookie'), 'a probe makes no session').toBeNull();
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'no portal view from the operator yet' });
    expect(notReady.headers.get('set-cookie')).toBeNull();

    view = { products: [], apis: [], applications: [], subscriptions: [] };
    // The poller asks every 2 s.
    const start = performance.now();
    while ((await get('/readyz')).status !== 200) {
      expect(performance.now() - start, 'ready within two polls').toBeLessThan(6_000);
      await new Promise((r) => setTimeout(r, 100));
    }
    view = undefined;
    expect(await portal.poller.poll(), 'the operator answers 503 now').toBe(false);
    expect((await get('/readyz')).status, 'the last view is still served').toBe(200);
    expect((await get('/readyz', 'HEAD')).status).toBe(200);
    expect((await get('/readyz', 'POST')).status, 'only GET and HEAD are probes').not.toBe(200);
  });
});
