import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { replyWithin, StoreTimeoutError } from './reply-deadline.ts';

// A real redis-server answers PING while this process's loop is blocked (it is another
// process); a server in this process that never answers stands in for a hung Redis.
let redis: RedisServer;
let silent: net.Server;
beforeAll(async () => {
  redis = await startRedisServer();
  silent = net.createServer((socket) => socket.resume().on('error', () => {}));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
});
afterAll(async () => {
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await redis?.close();
});

async function connect(to: 'redis' | 'silent'): Promise<net.Socket> {
  const socket = net.connect(to === 'redis' ? redis.port : (silent.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // The gateway busy with other requests.
  }
}

describe('replyWithin', () => {
  it.each([
    { case: 'an answer that arrived while the loop was blocked past the deadline', to: 'redis' as const, blockMs: 150, outcome: '+PONG' },
    { case: 'an answer on an idle loop', to: 'redis' as const, blockMs: 0, outcome: '+PONG' },
    { case: 'no answer, loop blocked past the deadline', to: 'silent' as const, blockMs: 150, outcome: 'timeout' },
    { case: 'no answer, idle loop', to: 'silent' as const, blockMs: 0, outcome: 'timeout' },
  ])('$case: $outcome', async ({ to, blockMs, outcome }) => {
    const socket = await connect(to);
    try {
      const reply = once(socket, 'data').then(([chunk]) => (chunk as Buffer).toString().trim());
      socket.write('PING\r\n');
      const started = performance.now();
      const judged = replyWithin(reply, 100).then(
        (value) => value,
        (error: unknown) => (error instanceof StoreTimeoutError ? 'timeout' : `other: ${String(error)}`),
      );
      // Busy outside the poll phase, so the deadline timer comes due before the loop polls again.
      setImmediate(() => blockLoop(blockMs));
      expect(await judged).toBe(outcome);
      const ms = performance.now() - started;
      expect(ms).toBeGreaterThanOrEqual(outcome === 'timeout' ? 99 : 0);
      expect(ms).toBeLessThan(Math.max(100, blockMs) + 100);
    } finally {
      socket.destroy();
    }
  });

  it('passes an error through at once', async () => {
    const started = performance.now();
    await expect(replyWithin(Promise.reject(new Error('READONLY')), 100)).rejects.toThrow('READONLY');
    expect(performance.now() - started).toBeLessThan(50);
  });
});
