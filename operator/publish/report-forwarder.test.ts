import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { basicSnapshot, send, silentLogger, startGateway, startUpstream } from '../../test/gateway/fixtures.ts';
import { startOperatorClient } from '../../gateway/sources/operator-client.ts';
import { createReportForwarder, type ForwardResult, type ReportForwarder } from './report-forwarder.ts';
import { createSnapshotPublisher, type GatewayReport, type SnapshotPublisher } from './snapshot-publisher.ts';
import { waitFor } from '../../test/support/wait.ts';

// Two publishers over loopback, as two operator replicas behind one Service: the
// follower passes what its gateways report on to the leader, which records it as
// if the gateway had reached it, naming the follower in `via`.

const TOKEN = 's3cret';
const auth = { authorization: `Bearer ${TOKEN}` };
const V1 = `sha256:${'1'.repeat(64)}`;
const V2 = `sha256:${'2'.repeat(64)}`;
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Replica {
  identity: string;
  publisher: SnapshotPublisher;
  forwarder: ReportForwarder;
  url: string;
  /** Every settled forwarding attempt, in order. */
  results: Array<{ result: ForwardResult; reports: number }>;
  /** Every report the publisher stored as changed (its onReport). */
  changes: GatewayReport[];
}

/** A publisher whose direct reports go to whatever `leaderUrl()` says, as run-operator wires it. */
async function replica(identity: string, leaderUrl: () => string | undefined, o: { intervalMs?: number; timeoutMs?: number } = {}): Promise<Replica> {
  const results: Replica['results'] = [];
  const changes: GatewayReport[] = [];
  let forwarder: ReportForwarder | undefined;
  const publisher = await createSnapshotPublisher({
    port: 0,
    host: '127.0.0.1',
    token: TOKEN,
    onReport: (r) => changes.push(r),
    onReceived: (r) => forwarder?.offer(r),
  });
  forwarder = createReportForwarder({
    identity,
    leaderUrl,
    token: TOKEN,
    intervalMs: o.intervalMs ?? 50,
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    logger: silentLogger,
    onResult: (result, reports) => results.push({ result, reports }),
  });
  cleanups.push(
    () => publisher.close(),
    () => forwarder.close(),
  );
  return { identity, publisher, forwarder, url: `http://127.0.0.1:${publisher.port}`, results, changes };
}

const poll = (r: Replica, replica: string, applied?: string) =>
  send(r.publisher.port, `/v1/snapshot?replica=${replica}&wait=0${applied ? `&applied=${applied}` : ''}`, { headers: auth });
const report = (r: Replica, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  send(r.publisher.port, '/v1/reports', { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const sent = (r: Replica) => r.results.filter((x) => x.result === 'sent').reduce((n, x) => n + x.reports, 0);
const of = (r: Replica, replica: string) => r.publisher.reports().find((x) => x.replica === replica);

describe('forwarding gateway reports to the leader', () => {
  it('a real gateway polling the follower is seen by the leader, with the follower named in via', async () => {
    const upstream = await startUpstream((_req, res) => res.end('ok'));
    cleanups.push(() => upstream.close());
    const leader = await replica('op-a', () => undefined);
    const follower = await replica('op-b', () => leader.url);
    const snapshot = basicSnapshot(upstream.url);
    leader.publisher.publish(snapshot);
    follower.publisher.publish(snapshot);

    const gw = await startGateway(undefined);
    cleanups.push(() => gw.close());
    const client = startOperatorClient(gw, { url: follower.url, token: TOKEN, replica: 'gw-0', waitSeconds: 5, logger: silentLogger });
    cleanups.push(() => client.close());

    await waitFor('the leader to hear gw-0 applied the snapshot', () => of(leader, 'gw-0')?.applied === snapshot.version);
    const atLeader = of(leader, 'gw-0')!;
    const atFollower = of(follower, 'gw-0')!;
    expect(atLeader.via).toBe('op-b');
    expect(atFollower.via).toBeUndefined();
    // The gateway's address as the follower saw it, not the follower's.
    expect(atLeader.address).toBe(atFollower.address);
    // The leader's onReport saw it change, which is what rechecks Programmed.
    expect(leader.changes.some((r) => r.replica === 'gw-0' && r.applied === snapshot.version && r.via === 'op-b')).toBe(true);
    // The leader received nothing from the gateway itself and forwarded nothing.
    expect(leader.results).toEqual([]);
    // GET /v1/reports shows it for people.
    const listed = (await send(leader.publisher.port, '/v1/reports', { headers: auth })).json() as { reports: GatewayReport[] };
    expect(listed.reports.find((r) => r.replica === 'gw-0')).toMatchObject({ applied: snapshot.version, via: 'op-b' });
  });

  it("keeps the follower's receipt time and a refusal's reasons", async () => {
    const leader = await replica('op-a', () => undefined);
    const follower = await replica('op-b', () => leader.url);
    expect((await report(follower, { replica: 'gw-1', applied: V1, rejected: V2, errors: ['routes[0]: bad'] })).status).toBe(204);
    const receivedAt = of(follower, 'gw-1')!.at;
    // Long enough that a leader stamping its own receipt time would differ.
    await new Promise((r) => setTimeout(r, 400));
    await waitFor('the leader to hear of gw-1', () => of(leader, 'gw-1') !== undefined);
    const { at, ...rest } = of(leader, 'gw-1')!;
    expect(rest).toEqual({ replica: 'gw-1', applied: V1, rejected: V2, errors: ['routes[0]: bad'], address: of(follower, 'gw-1')!.address, via: 'op-b' });
    // Dated on the leader's clock from the follower's age of the report: the transit
    // makes it look some milliseconds newer (more on a busy machine), never 400 ms.
    expect(Math.abs(Date.parse(at) - Date.parse(receivedAt))).toBeLessThan(200);
  });

  it("dates a forwarded report on its own clock, however far the follower's clock is off", async () => {
    const leader = await replica('op-a', () => undefined);
    const fwd = { 'x-tollgate-forwarded-by': 'op-b' };
    for (const [replica, skewMs] of [
      ['gw-10', 3_600_000],
      ['gw-11', -3_600_000],
    ] as const) {
      const followerNow = Date.now() + skewMs;
      const at = new Date(followerNow - 5_000).toISOString();
      const before = Date.now();
      expect((await report(leader, { reports: [{ replica, applied: V1, at, ageMs: 5_000 }] }, fwd)).status).toBe(204);
      const recorded = Date.parse(of(leader, replica)!.at);
      expect(recorded).toBeGreaterThanOrEqual(before - 5_000);
      expect(recorded).toBeLessThanOrEqual(Date.now() - 5_000);
    }
    expect((await report(leader, { reports: [{ replica: 'gw-12', applied: V1, at: new Date().toISOString(), ageMs: -1 }] }, fwd)).status).toBe(400);
  });

  it('never forwards a forwarded report again, even when both replicas think the other leads', async () => {
    let bUrl = '';
    const a = await replica('op-a', () => bUrl);
    const b = await replica('op-b', () => a.url);
    bUrl = b.url;
    expect((await poll(b, 'gw-2', V1)).status).toBe(304);
    expect((await poll(a, 'gw-3', V2)).status).toBe(304);
    await waitFor('both reports to cross', () => of(a, 'gw-2') !== undefined && of(b, 'gw-3') !== undefined);
    await a.forwarder.idle();
    await b.forwarder.idle();
    // Several forwarding intervals: a loop would show up as more sends.
    await new Promise((r) => setTimeout(r, 300));
    expect(sent(a)).toBe(1);
    expect(sent(b)).toBe(1);
    expect(of(a, 'gw-2')?.via).toBe('op-b');
    expect(of(a, 'gw-3')?.via).toBeUndefined();
    expect(of(b, 'gw-3')?.via).toBe('op-a');
    expect(of(b, 'gw-2')?.via).toBeUndefined();
  });

  it('coalesces: the newest report per gateway, a few requests however many polls', async () => {
    const leader = await replica('op-a', () => undefined);
    const follower = await replica('op-b', () => leader.url, { intervalMs: 200 });
    const polls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      polls.push(poll(follower, 'gw-4', i < 29 ? V1 : V2));
      polls.push(poll(follower, 'gw-5', V1));
    }
    await Promise.all(polls);
    // The last poll of each is what the follower has; that is what must arrive.
    await waitFor('the newest reports at the leader', () => of(leader, 'gw-4')?.applied === of(follower, 'gw-4')?.applied && of(leader, 'gw-5') !== undefined);
    await follower.forwarder.idle();
    expect(Math.abs(Date.parse(of(leader, 'gw-4')!.at) - Date.parse(of(follower, 'gw-4')!.at))).toBeLessThan(100);
    const requests = follower.results.filter((x) => x.result === 'sent');
    // 60 polls within one or two intervals: one or two requests, one report per gateway in each.
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThanOrEqual(3);
    expect(requests.every((x) => x.reports <= 2)).toBe(true);
  });

  it('an older forwarded report does not overwrite a newer one, and a future one counts as now', async () => {
    const leader = await replica('op-a', () => undefined);
    expect((await poll(leader, 'gw-6', V2)).status).toBe(304);
    const direct = of(leader, 'gw-6')!;
    const old = new Date(Date.parse(direct.at) - 10_000).toISOString();
    expect((await report(leader, { reports: [{ replica: 'gw-6', applied: V1, at: old }] }, { 'x-tollgate-forwarded-by': 'op-b' })).status).toBe(204);
    expect(of(leader, 'gw-6')).toEqual(direct);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const before = Date.now();
    expect((await report(leader, { reports: [{ replica: 'gw-7', applied: V1, at: future }] }, { 'x-tollgate-forwarded-by': 'op-b' })).status).toBe(204);
    const at = Date.parse(of(leader, 'gw-7')!.at);
    expect(at).toBeGreaterThanOrEqual(before - 5);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('refuses malformed forwarded reports as a whole, and a batch from a gateway', async () => {
    const leader = await replica('op-a', () => undefined);
    const fwd = { 'x-tollgate-forwarded-by': 'op-b' };
    const at = new Date().toISOString();
    expect(
      (
        await report(
          leader,
          {
            reports: [
              { replica: 'gw-8', applied: V1, at },
              { replica: 'gw-9', applied: V1 },
            ],
          },
          fwd,
        )
      ).status,
    ).toBe(400);
    expect((await report(leader, { reports: [{ replica: 'gw-8', applied: 'v1', at }] }, fwd)).status).toBe(400);
    expect((await report(leader, { replica: 'gw-8', applied: V1, at }, { 'x-tollgate-forwarded-by': 'not a name' })).status).toBe(400);
    // Without the header a batch is no report: the single-report form is unchanged.
    expect((await report(leader, { reports: [{ replica: 'gw-8', applied: V1, at }] })).status).toBe(400);
    expect(of(leader, 'gw-8')).toBeUndefined();
    // Without the token, forwarded or not: 401.
    const noToken = await send(leader.publisher.port, '/v1/reports', { method: 'POST', headers: fwd, body: JSON.stringify({ reports: [] }) });
    expect(noToken.status).toBe(401);
  });

  it('a leader that is down or hangs costs the follower nothing: it serves, and counts the failures', async () => {
    // A port nobody listens on, and a server that accepts and never answers.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const hanging = http.createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise((r) => {
          hanging.closeAllConnections();
          hanging.close(r);
        }),
    );

    let leaderUrl = `http://127.0.0.1:${closedPort}`;
    const follower = await replica('op-b', () => leaderUrl, { intervalMs: 20, timeoutMs: 1_500 });
    follower.publisher.publish({ version: V1 });
    const started = Date.now();
    const res = await poll(follower, 'gw-10');
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe(`"${V1}"`);
    await waitFor('a refused forward', () => follower.results.some((x) => x.result === 'failed'));

    leaderUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    expect((await report(follower, { replica: 'gw-10', applied: V1 })).status).toBe(204);
    // A forward is now hanging (for up to 1.5 s): polls are still held and answered
    // on publish, and reports taken, at once.
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const held = send(follower.publisher.port, `/v1/snapshot?replica=gw-11&applied=${V1}&wait=10`, { headers: auth });
    expect((await report(follower, { replica: 'gw-12', applied: V1 })).status).toBe(204);
    follower.publisher.publish({ version: V2 });
    expect((await held).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(follower.results.filter((x) => x.result === 'failed')).toHaveLength(1);
    await waitFor('the hanging forward to time out', () => follower.results.filter((x) => x.result === 'failed').length >= 2);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(of(follower, 'gw-10')?.applied).toBe(V1);
    expect(follower.results.some((x) => x.result === 'sent')).toBe(false);
  });

  it('with no leader known it collects nothing', async () => {
    const lone = await replica('op-a', () => undefined);
    expect((await poll(lone, 'gw-13', V1)).status).toBe(304);
    expect(lone.results).toEqual([{ result: 'no_leader', reports: 1 }]);
    await lone.forwarder.idle();
    expect(lone.results.some((x) => x.result === 'sent' || x.result === 'failed')).toBe(false);
  });
});
