// A leader cut off from the API server without its connection closing (a network
// partition that drops packets): its Lease request hangs. It must stop leading by
// its renew deadline, and once the network is back, lead again by itself rather
// than wait forever on the request the partition swallowed. Real API server, a
// TCP relay in front of it that can black-hole every connection it carries.
import { KubeConfig } from '@kubernetes/client-node';
import net from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseElector } from '../../operator/leader/lease-elector.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import { until } from '../support/wait.ts';

const env = useControlPlane();
let access: OperatorAccess;

/**
 * Forwards TCP to `target`. While partitioned it swallows every byte, both ways, of
 * every connection, without closing any; after `heal()` new connections go through,
 * and those that lived through the partition stay swallowed, as after a real one.
 */
async function relay(target: URL): Promise<{ url: string; partition(): void; heal(): void; close(): Promise<void> }> {
  const live = new Set<{ client: net.Socket; upstream: net.Socket; cut: boolean }>();
  let partitioned = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const conn = { client, upstream, cut: partitioned };
    live.add(conn);
    client.on('data', (b) => conn.cut || upstream.write(b));
    upstream.on('data', (b) => conn.cut || client.write(b));
    const end = () => {
      live.delete(conn);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    partition: () => {
      partitioned = true;
      for (const c of live) c.cut = true;
    },
    heal: () => {
      partitioned = false;
    },
    close: async () => {
      for (const c of live) {
        c.client.destroy();
        c.upstream.destroy();
      }
      await new Promise((r) => server.close(r));
    },
  };
}

beforeAll(async () => {
  access = await operatorAccess(env.cp);
});

describe('a leader whose Lease requests hang', () => {
  let elector: LeaseElector | undefined;
  let cut: Awaited<ReturnType<typeof relay>> | undefined;
  afterAll(async () => {
    await elector?.stop();
    await cut?.close();
  });

  it('stops leading by its renew deadline and leads again once the network is back', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(access.kubeconfig);
    const cluster = kc.getCurrentCluster()!;
    cut = await relay(new URL(cluster.server));
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: cut!.url } : c));
    const transitions: Array<{ leading: boolean; at: number }> = [];
    elector = new LeaseElector(kc, {
      namespace: access.leaseNamespace,
      // The one Lease config/rbac lets the operator use; this file has its own control plane.
      name: 'tollgate-operator',
      identity: 'partitioned',
      logger: pino({ level: 'silent' }),
      leaseDurationMs: 3_000,
      renewDeadlineMs: 2_000,
      retryPeriodMs: 300,
      onChange: (leading) => transitions.push({ leading, at: Date.now() }),
    });
    elector.start();
    await until('the elector to lead', async () => (elector!.isLeader() ? true : undefined), 10_000);

    const cutAt = Date.now();
    cut.partition();
    await until('the partitioned leader to stop leading', async () => (elector!.isLeader() ? undefined : true), 5_000);
    const stoppedAfter = Date.now() - cutAt;
    expect(stoppedAfter).toBeLessThan(2_000 + 300 + 500);

    // Partitioned for longer than the lease: any request in flight at the cut is
    // long past its answer. Then new connections go through again.
    await new Promise((r) => setTimeout(r, 3_000));
    cut.heal();
    const healedAt = Date.now();
    await until('the elector to lead again after the partition', async () => (elector!.isLeader() ? true : undefined), 20_000);
    const back = transitions.filter((t) => t.leading && t.at > cutAt);
    expect(back.length).toBeGreaterThan(0);
    console.log(`lease partition: stopped leading ${stoppedAfter} ms after the cut; leading again ${back[0]!.at - healedAt} ms after the network came back`);
    // The request the partition swallowed is given up at the renew deadline, not
    // whenever the HTTP client's own timeouts, if any, would end it.
    expect(back[0]!.at - healedAt).toBeLessThan(2_000 + 300 + 1_500);
  });
});
