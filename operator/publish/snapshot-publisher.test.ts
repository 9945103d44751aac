import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOperatorClient } from '../../gateway/sources/operator-client.ts';
import { send, silentLogger, startGateway } from '../../test/gateway/fixtures.ts';
import { createSnapshotPublisher, type SnapshotPublisher } from './snapshot-publisher.ts';
import { useSnapshotSourceHarness } from '../../test/gateway/snapshot-source-harness.ts';
import { waitFor } from '../../test/support/wait.ts';

// The protocol of gateway/snapshot/PROTOCOL.md end to end: this publisher and the gateway's client.
const { onCleanup, tempDir, gateway, readyz, v1, v2 } = useSnapshotSourceHarness();

describe('the operator long-poll client and the dev publisher', () => {
  async function publisher(token?: string): Promise<SnapshotPublisher> {
    const p = await createSnapshotPublisher({ port: 0, host: '127.0.0.1', ...(token ? { token } : {}) });
    onCleanup(() => p.close());
    return p;
  }

  it('applies what is published, reports it, and skips a refused version without looping', async () => {
    const pub = await publisher('s3cret');
    const gw = await gateway();
    const client = startOperatorClient(gw, { url: `http://127.0.0.1:${pub.port}`, token: 's3cret', replica: 'gw-0', waitSeconds: 5, logger: silentLogger });
    onCleanup(() => client.close());

    pub.publish(v1());
    await waitFor('the gateway to apply v1', () => gw.currentVersion() === v1().version);
    await waitFor('gw-0 to report v1', () => pub.reports().some((r) => r.replica === 'gw-0' && r.applied === v1().version));

    pub.publish(v2());
    await waitFor('the gateway to apply v2', () => gw.currentVersion() === v2().version);

    const bad = { ...v1(), version: 'sha256:' + '0'.repeat(64) };
    pub.publish(bad);
    await waitFor('the refusal to be reported', () => pub.reports().some((r) => r.rejected === bad.version && (r.errors?.length ?? 0) > 0));
    expect(gw.currentVersion()).toBe(v2().version);
    const refusedBefore = await gw.metrics.registry.getSingleMetricAsString('tollgate_snapshot_reloads_total');
    await new Promise((r) => setTimeout(r, 500));
    // Still one refusal: the client said which version it refused and now waits for another.
    expect(await gw.metrics.registry.getSingleMetricAsString('tollgate_snapshot_reloads_total')).toBe(refusedBefore);
    expect(refusedBefore).toContain('result="refused"} 1');

    pub.publish(v1());
    await waitFor('the gateway to apply v1', () => gw.currentVersion() === v1().version);
    await waitFor('the refusal to clear', () => pub.reports().find((r) => r.replica === 'gw-0')?.rejected === undefined);
  });

  it('refuses a gateway without the token', async () => {
    const pub = await publisher('s3cret');
    pub.publish(v1());
    const res = await send(pub.port, '/v1/snapshot?replica=gw-1&wait=0', { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
    const ok = await send(pub.port, '/v1/snapshot?replica=gw-1&wait=0', { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.etag).toBe(`"${v1().version}"`);
    const same = await send(pub.port, `/v1/snapshot?replica=gw-1&wait=0&applied=${v1().version}`, { headers: { authorization: 'Bearer s3cret' } });
    expect(same.status).toBe(304);
  });

  it('holds a poll until something new is published', async () => {
    const pub = await publisher();
    pub.publish(v1());
    const started = Date.now();
    const pending = send(pub.port, `/v1/snapshot?replica=gw-2&wait=10&applied=${v1().version}`);
    await new Promise((r) => setTimeout(r, 200));
    pub.publish(v2());
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json().version).toBe(v2().version);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('persists the body the publisher sent, and a restart serves it without the operator', async () => {
    const pub = await publisher();
    const stateDir = tempDir();
    const file = path.join(stateDir, 'snapshot.json');
    const first = await gateway({ stateDir });
    const client = startOperatorClient(first, { url: `http://127.0.0.1:${pub.port}`, replica: 'gw-4', waitSeconds: 5, logger: silentLogger });
    pub.publish(v2());
    await waitFor('the gateway to apply v2', () => first.currentVersion() === v2().version);
    const sent = (await send(pub.port, '/v1/snapshot?replica=gw-5&wait=0')).body;
    await waitFor('the body to be persisted', () => existsSync(file) && readFileSync(file, 'utf8') === sent);
    await client.close();
    await first.close();

    const second = await gateway({ stateDir });
    expect(second.currentVersion()).toBe(v2().version);
    expect(await readyz(second)).toBe(200);
  });

  it('keeps serving its persisted snapshot while the operator is unreachable', async () => {
    const stateDir = tempDir();
    const first = await startGateway(undefined, { stateDir });
    first.applySnapshot(v1());
    await first.close();
    const gw = await gateway({ stateDir });
    const client = startOperatorClient(gw, { url: 'http://127.0.0.1:9', replica: 'gw-3', waitSeconds: 1, logger: silentLogger });
    onCleanup(() => client.close());
    await new Promise((r) => setTimeout(r, 300));
    expect(await readyz(gw)).toBe(200);
    expect(gw.currentVersion()).toBe(v1().version);
  });
});
