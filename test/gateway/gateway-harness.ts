// One upstream and one gateway for a whole test file, the upstream's record of
// requests cleared before each test: the set-up of the gateway's row tests, which
// apply a snapshot per row to the one gateway.
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import type { LimitStore } from '../../gateway/limits/types.ts';
import type { Gateway, GatewayOptions } from '../../gateway/server/create-gateway.ts';
import type { Snapshot } from '../../gateway/snapshot/types.ts';
import { startGateway, startUpstream, type Upstream } from './fixtures.ts';

export type GatewayHarness = { readonly upstream: Upstream; readonly gw: Gateway };

export function useUpstreamAndGateway(
  o: {
    upstream?: Parameters<typeof startUpstream>[0];
    /** The snapshot the gateway starts with (none unless given), from the upstream's URL. */
    snapshot?: (upstreamUrl: string) => Snapshot;
    gateway?: Partial<GatewayOptions>;
    /** A real in-memory limit store (closed after the gateway) rather than the fixtures' none. */
    memoryLimits?: boolean;
  } = {},
): GatewayHarness {
  let upstream: Upstream | undefined;
  let gw: Gateway | undefined;
  let store: LimitStore | undefined;
  beforeAll(async () => {
    upstream = await startUpstream(o.upstream);
    if (o.memoryLimits) store = createLimitStore({});
    gw = await startGateway(o.snapshot?.(upstream.url), { ...(store ? { limitStore: store } : {}), ...o.gateway });
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    if (upstream) upstream.seen.length = 0;
  });
  return {
    get upstream() {
      if (!upstream) throw new Error('upstream not started (did beforeAll fail?)');
      return upstream;
    },
    get gw() {
      if (!gw) throw new Error('gateway not started (did beforeAll fail?)');
      return gw;
    },
  };
}

/** A loopback port nothing listens on (opened and closed again): an upstream that refuses connections. */
export async function refusingPort(): Promise<number> {
  const closed = net.createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  return port;
}
