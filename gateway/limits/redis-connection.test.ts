import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redact } from './redis-connection.ts';

describe('parseRedisUrl', () => {
  it('passes single-node URLs through to ioredis', () => {
    expect(parseRedisUrl('redis://:pw@10.0.0.1:6380/2')).toEqual({ kind: 'single', url: 'redis://:pw@10.0.0.1:6380/2' });
    expect(parseRedisUrl('rediss://cache.example:6380')).toEqual({ kind: 'single', url: 'rediss://cache.example:6380' });
  });

  it('reads cluster seed nodes, credentials and TLS from redis+cluster:// URLs', () => {
    expect(parseRedisUrl('redis+cluster://a:7000,b:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://user:p%40ss@a,b:7001/')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a', port: 6379 },
        { host: 'b', port: 7001 },
      ],
      username: 'user',
      password: 'p@ss',
      tls: true,
    });
  });

  it('rejects other schemes and empty clusters without echoing the password', () => {
    expect(() => parseRedisUrl('http://u:secret@x')).toThrow(/unsupported Redis URL/);
    expect(() => parseRedisUrl('http://u:secret@x')).not.toThrow(/secret/);
    expect(() => parseRedisUrl('redis+cluster://')).toThrow(/no cluster nodes/);
    expect(redact('redis://u:secret@host:1')).toBe('redis://***@host:1');
  });
});
