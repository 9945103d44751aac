import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { waitFor } from '../../test/support/wait.ts';
import { StoreTimeoutError } from './reply-deadline.ts';
import { StoreHealth } from './store-health.ts';

// A real redis-server stopped with SIGSTOP for a while: a reply that comes late by a
// known amount, or (stopped past the bound) a Redis that has gone silent.
const TIMEOUT_MS = 100;
const GRACE_TIMEOUTS = 2;
const BOUND_MS = TIMEOUT_MS * (1 + GRACE_TIMEOUTS);
/** How late a timer may fire on a loaded test machine. */
const SLACK_MS = 150;

let redis: RedisServer;
let client: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
  await client.ping();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});

/** PING with Redis stopped for `silentMs` from just before sending: PONG or 'timeout', and how long the verdict took. */
async function pingStopped(health: StoreHealth, silentMs: number): Promise<{ outcome: string; ms: number; message?: string }> {
  redis.pause();
  const resume = setTimeout(() => redis.resume(), silentMs);
  const started = performance.now();
  try {
    const outcome = await health.judge(client.ping());
    return { outcome, ms: performance.now() - started };
  } catch (error) {
    if (!(error instanceof StoreTimeoutError)) throw error;
    return { outcome: 'timeout', ms: performance.now() - started, message: error.message };
  } finally {
    clearTimeout(resume);
    redis.resume();
    // Redis answers every PING sent while it was stopped before the next case starts.
    await client.ping();
  }
}

type Before = 'healthy' | 'down after a silence' | 'down after an error' | 'answered again after a silence';

async function bring(health: StoreHealth, before: Before): Promise<void> {
  if (before === 'down after an error') await expect(health.judge(client.call('NO-SUCH-COMMAND'))).rejects.toThrow(/unknown command/i);
  if (before === 'down after a silence' || before === 'answered again after a silence') {
    expect((await pingStopped(health, BOUND_MS + 2 * SLACK_MS)).outcome).toBe('timeout');
  }
  if (before === 'answered again after a silence') expect(await health.judge(client.ping())).toBe('PONG');
  expect(health.down).toBe(before.startsWith('down'));
}

describe('StoreHealth', () => {
  it.each([
    {
      case: 'a reply 180 ms late is used',
      before: 'healthy' as Before,
      ready: true,
      silentMs: 180,
      outcome: 'PONG',
      minMs: 180,
      maxMs: BOUND_MS,
      downAfter: false,
    },
    {
      case: 'a reply 250 ms late is used',
      before: 'healthy' as Before,
      ready: true,
      silentMs: 250,
      outcome: 'PONG',
      minMs: 250,
      maxMs: BOUND_MS,
      downAfter: false,
    },
    {
      case: 'a Redis silent past the bound is declared down at the bound',
      before: 'healthy' as Before,
      ready: true,
      silentMs: BOUND_MS + 3 * SLACK_MS,
      outcome: 'timeout',
      minMs: BOUND_MS,
      maxMs: BOUND_MS + SLACK_MS,
      downAfter: true,
    },
    {
      case: 'a connection that is not ready gets no grace',
      before: 'healthy' as Before,
      ready: false,
      silentMs: 180,
      outcome: 'timeout',
      minMs: TIMEOUT_MS,
      maxMs: TIMEOUT_MS + SLACK_MS,
      downAfter: true,
    },
    {
      case: 'a second miss in a row gets no grace',
      before: 'down after a silence' as Before,
      ready: true,
      silentMs: 180,
      outcome: 'timeout',
      minMs: TIMEOUT_MS,
      maxMs: TIMEOUT_MS + SLACK_MS,
      downAfter: true,
    },
    {
      case: 'a miss after an error gets no grace',
      before: 'down after an error' as Before,
      ready: true,
      silentMs: 180,
      outcome: 'timeout',
      minMs: TIMEOUT_MS,
      maxMs: TIMEOUT_MS + SLACK_MS,
      downAfter: true,
    },
    {
      case: 'an answer makes the store healthy again',
      before: 'answered again after a silence' as Before,
      ready: true,
      silentMs: 180,
      outcome: 'PONG',
      minMs: 180,
      maxMs: BOUND_MS,
      downAfter: false,
    },
  ])('$case', async ({ before, ready, silentMs, outcome, minMs, maxMs, downAfter }) => {
    const health = new StoreHealth({ timeoutMs: TIMEOUT_MS, graceTimeouts: GRACE_TIMEOUTS, connectionReady: () => ready });
    await bring(health, before);
    const judged = await pingStopped(health, silentMs);
    expect(judged.outcome).toBe(outcome);
    expect(judged.ms).toBeGreaterThanOrEqual(minMs - 5);
    expect(judged.ms).toBeLessThan(maxMs + SLACK_MS);
    if (outcome === 'timeout') expect(judged.message).toBe(`limit store did not answer within ${Math.round(minMs)} ms`);
    expect(health.down).toBe(downAfter);
  });

  it('with no grace, fails at the plain deadline', async () => {
    const health = new StoreHealth({ timeoutMs: TIMEOUT_MS, graceTimeouts: 0, connectionReady: () => true });
    const judged = await pingStopped(health, 180);
    expect(judged.outcome).toBe('timeout');
    expect(judged.ms).toBeLessThan(TIMEOUT_MS + SLACK_MS);
  });

  it('passes an error through at once and counts it as the store being down', async () => {
    const health = new StoreHealth({ timeoutMs: TIMEOUT_MS, connectionReady: () => true });
    const started = performance.now();
    await expect(health.judge(Promise.reject(new Error('READONLY')))).rejects.toThrow('READONLY');
    expect(performance.now() - started).toBeLessThan(50);
    expect(health.down).toBe(true);
    await waitFor('Redis answering', async () => (await health.judge(client.ping())) === 'PONG');
    expect(health.down).toBe(false);
  });
});
