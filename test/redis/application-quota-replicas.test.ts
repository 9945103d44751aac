// The Bar of issue 18: an application-wide quota across two products is exact across two
// `tollgate gateway` replicas on one real Redis. 2x the quota is fired at once, split over
// both replicas and both products; exactly the quota gets through, several runs in a row,
// and the count Redis holds is the quota.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { application, keyHash, startUpstream, subscription, type Upstream } from '../gateway/fixtures.ts';
import { twoProducts } from '../gateway/two-products.ts';
import { startGatewayReplica, type GatewayReplica } from './gateway-replica.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';

const RUNS = 5;
const QUOTA = 100;
const BURST = 2 * QUOTA;
const keyOf = (run: number) => `app-quota-key-${run}-0123456789`;

let upstream: Upstream;
let dir: string;
let redis: RedisServer;
let counter: Redis;
let replicas: GatewayReplica[] = [];
let agents: http.Agent[] = [];

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => res.end('ok'));
  dir = mkdtempSync(path.join(tmpdir(), 'tollgate-app-quota-'));
  const snapshotFile = path.join(dir, 'snapshot.json');
  // One application per run (a fresh count without a restart), each subscribed to both products, with no subscription quota.
  const snapshot = twoProducts(upstream.url, (b) => {
    b.applications = Array.from({ length: RUNS }, (_, run) =>
      application(keyOf(run), {
        id: `team-b/run-${run}`,
        name: `run-${run}`,
        credentials: [{ name: 'main', keyHash: keyHash(keyOf(run)), revoked: false }],
        quota: { limit: QUOTA, interval: 1, timeUnit: 'hour' },
      }),
    );
    b.subscriptions = Array.from({ length: RUNS }, (_, run) => [
      subscription({ id: `team-b/run-${run}-gold`, application: `team-b/run-${run}` }),
      subscription({ id: `team-b/run-${run}-silver`, application: `team-b/run-${run}`, product: 'team-a/silver' }),
    ]).flat();
  });
  writeFileSync(snapshotFile, JSON.stringify(snapshot));
  redis = await startRedisServer();
  counter = new Redis(redis.port, '127.0.0.1');
  replicas = await Promise.all([0, 1].map(() => startGatewayReplica({ snapshotFile, redisUrl: redis.url })));
  agents = replicas.map(() => new http.Agent({ keepAlive: true, maxSockets: BURST / 2 }));
});
afterAll(async () => {
  agents.forEach((a) => a.destroy());
  await Promise.all(replicas.map((r) => r.stop()));
  counter?.disconnect();
  await redis?.close();
  await upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function fire(port: number, agent: http.Agent, key: string, paths: string[]): Promise<Array<{ status: number; policy: string }>> {
  return Promise.all(
    paths.map(
      (p) =>
        new Promise<{ status: number; policy: string }>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port, path: p, headers: { 'x-api-key': key }, agent, timeout: 10_000 }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, policy: String(res.headers['ratelimit-policy'] ?? '') }));
            res.on('error', () => resolve({ status: -1, policy: '' }));
          });
          req.on('error', () => resolve({ status: -1, policy: '' }));
          req.on('timeout', () => req.destroy());
        }),
    ),
  );
}

/** A run must not straddle an hour boundary: the quota would count in two windows. */
async function clearOfHourBoundary(): Promise<void> {
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 10_000) await new Promise((r) => setTimeout(r, left + 50));
}

describe('an application quota across two products on two gateway replicas (one Redis)', () => {
  it(`admits exactly ${QUOTA} of ${BURST}, ${RUNS} runs in a row`, async () => {
    const runs: Array<{ admitted: number; refused: number; other: number[]; counted: number; perProduct: Record<string, number> }> = [];
    for (let run = 0; run < RUNS; run++) {
      await clearOfHourBoundary();
      // Each replica gets half, alternating between the two products' APIs.
      const paths = Array.from({ length: BURST / 2 }, (_, i) => (i % 2 === 0 ? '/hello/1.0.0/x' : '/world/1.0.0/x'));
      const answers = (await Promise.all(replicas.map((r, i) => fire(r.proxyPort, agents[i]!, keyOf(run), paths)))).flat();
      const counted = (await Promise.all((await counter.keys(`*{@application%3Ateam-b/run-${run}|@all}*`)).map((k) => counter.get(k)))).reduce(
        (n, v) => n + Number(v),
        0,
      );
      const perProduct: Record<string, number> = {};
      for (const [i, a] of answers.entries()) if (a.status === 200) perProduct[paths[i % paths.length]!] = (perProduct[paths[i % paths.length]!] ?? 0) + 1;
      runs.push({
        admitted: answers.filter((a) => a.status === 200).length,
        refused: answers.filter((a) => a.status === 429).length,
        other: answers.map((a) => a.status).filter((s) => s !== 200 && s !== 429),
        counted,
        perProduct,
      });
      expect(answers.every((a) => a.policy === `"application-quota";q=${QUOTA};w=3600`)).toBe(true);
    }
    expect(runs.map((r) => ({ admitted: r.admitted, refused: r.refused, other: r.other, counted: r.counted }))).toEqual(
      runs.map(() => ({ admitted: QUOTA, refused: QUOTA, other: [], counted: QUOTA })),
    );
    // Both products drew on the one quota.
    for (const r of runs) expect(Object.keys(r.perProduct).sort()).toEqual(['/hello/1.0.0/x', '/world/1.0.0/x']);
    expect(await replicas[0]!.metric('tollgate_limit_store_failures_total')).toBe(0);
  });
});
