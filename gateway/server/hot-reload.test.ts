import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.ts';
import { createLimitStore } from '../limits/create-limit-store.ts';
import type { LimitStore } from '../limits/types.ts';
import { TEST_KEY, basicSnapshot, startGateway, startUpstream, type Upstream } from '../../test/gateway/fixtures.ts';

// Snapshots that flip one operation between allowed and denied are swapped in
// while thousands of requests run. The two snapshots also differ in where the API
// forwards: a request judged by the "denied" snapshot's upstream but the
// "allowed" snapshot's authorisation would land on `mixed`, which must stay empty.
let allowedUpstream: Upstream;
let mixed: Upstream;
let gw: Gateway;

beforeAll(async () => {
  allowedUpstream = await startUpstream((_req, res) => res.end('ok'));
  mixed = await startUpstream((_req, res) => res.end('mixed'));
  // The memory store behind a timer, as Redis would be: every request then spans
  // event-loop turns in which a swap can land between its checks and its forwarding.
  const memory = createLimitStore();
  const slowStore: LimitStore = {
    check: (request, now) => new Promise((resolve) => setTimeout(() => resolve(memory.check(request, now)), 1)),
    close: () => memory.close(),
  };
  gw = await startGateway(undefined, { limitStore: slowStore });
});
afterAll(async () => {
  await gw.close();
  await allowedUpstream.close();
  await mixed.close();
});

const unlimited = { limit: 1_000_000, interval: 1, timeUnit: 'day' as const };
const allow = () =>
  basicSnapshot(allowedUpstream.url, (b) => {
    b.subscriptions[0]!.quota = unlimited;
    b.products[0]!.operations = [{ api: 'team-a/hello', paths: [{ pattern: '/flip', segments: ['flip'], rest: 'none' }], methods: [] }];
  });
const deny = () =>
  basicSnapshot(mixed.url, (b) => {
    b.subscriptions[0]!.quota = unlimited;
    b.products[0]!.operations = [{ api: 'team-a/hello', paths: [{ pattern: '/other', segments: ['other'], rest: 'none' }], methods: [] }];
  });

describe('hot reload under load', () => {
  it('answers every request by exactly one snapshot, with no 5xx and no reset', async () => {
    const snapshots = [allow(), deny()];
    expect(gw.applySnapshot(snapshots[0]).ok).toBe(true);
    const TOTAL = 4_000;
    const CONCURRENCY = 64;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const statuses = new Map<number, number>();
    const errors: string[] = [];
    let swaps = 0;
    let flip = 0;
    const swapper = setInterval(() => {
      flip ^= 1;
      const result = gw.applySnapshot(snapshots[flip]);
      if (result.ok && result.changed) swaps++;
    }, 2);

    let next = 0;
    const one = (): Promise<void> =>
      new Promise((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: gw.proxyPort, path: '/hello/1.0.0/flip', headers: { 'x-api-key': TEST_KEY }, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
            resolve();
          });
          res.on('error', (err) => {
            errors.push(err.message);
            resolve();
          });
        });
        req.on('error', (err) => {
          errors.push(`${(err as NodeJS.ErrnoException).code}: ${err.message}`);
          resolve();
        });
        req.end();
      });
    const worker = async (): Promise<void> => {
      while (next < TOTAL) {
        next++;
        await one();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(swapper);
    agent.destroy();

    expect(errors).toEqual([]);
    expect([...statuses.keys()].sort((a, b) => a - b)).toEqual([200, 403]);
    expect((statuses.get(200) ?? 0) + (statuses.get(403) ?? 0)).toBe(TOTAL);
    expect(mixed.seen).toHaveLength(0);
    expect(allowedUpstream.seen).toHaveLength(statuses.get(200)!);
    expect(swaps).toBeGreaterThan(20);
  });
});
