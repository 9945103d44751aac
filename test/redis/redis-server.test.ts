import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ping, startRedisServer, type RedisServer } from './redis-server.ts';

describe('startRedisServer', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('answers PING on 127.0.0.1 at the port it reports', async () => {
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await ping(redis.port)).toBe(true);
  });

  it('stops and starts again on the same port', async () => {
    await redis.stop('SIGKILL');
    expect(await ping(redis.port, 200)).toBe(false);
    await redis.start();
    expect(await ping(redis.port)).toBe(true);
  });

  it('pauses (hangs without closing) and resumes', async () => {
    redis.pause();
    try {
      expect(await ping(redis.port, 200)).toBe(false);
    } finally {
      redis.resume();
    }
    expect(await ping(redis.port)).toBe(true);
  });
});

describe('without redis-server', () => {
  it('fails with an install hint instead of skipping', async () => {
    await expect(startRedisServer({ command: 'redis-server-that-is-not-installed' })).rejects.toThrow(/not installed.*apt-get install -y redis-server/);
  });
});
