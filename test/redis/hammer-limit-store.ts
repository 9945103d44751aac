/**
 * A stand-in gateway process for the exactness test: its own ioredis client and Redis
 * store, `count` checks on one key with `concurrency` in flight. Prints `ready` once
 * connected, starts on a `go` line from stdin (so that two processes overlap), and prints
 * `{"allowed":n,"refused":n,"unavailable":n}` when done.
 *
 *   node test/redis/hammer-limit-store.ts <redisUrl> <application> <limit> <count> <concurrency>
 */
import { createInterface } from 'node:readline';
import { RedisLimitStore } from '../../gateway/limits/redis-store.ts';

const [url, application, limit, count, concurrency] = process.argv.slice(2);
if (!url || !application || !limit || !count || !concurrency) {
  console.error('usage: hammer-limit-store.ts <redisUrl> <application> <limit> <count> <concurrency>');
  process.exit(2);
}

// A generous timeout: this measures counting, and a timed-out check would blur it.
const store = new RedisLimitStore({ url, commandTimeoutMs: 5000 });
if (!(await store.ready(10_000))) {
  console.error(`could not connect to ${url}`);
  process.exit(1);
}
console.log('ready');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

const now = Date.now();
const request = {
  application,
  product: 'ns/product',
  failureMode: 'closed' as const,
  quota: { limit: Number(limit), interval: 1, timeUnit: 'hour' as const },
};
const tally = { allowed: 0, refused: 0, unavailable: 0 };
let next = 0;
async function worker(): Promise<void> {
  while (next < Number(count)) {
    next += 1;
    const d = await store.check(request, now);
    if (d.reason === 'storeUnavailable') tally.unavailable += 1;
    else if (d.allowed) tally.allowed += 1;
    else tally.refused += 1;
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
await store.close();
console.log(JSON.stringify(tally));
