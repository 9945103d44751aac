// The response cache over real HTTP: a GET answered once by the upstream and then from
// memory (still authenticated), keyed by path, the chosen query parameters and headers and,
// when asked, the application; Cache-Control from both sides respected; HEAD served from
// a GET's entry; the memory bound; the status in Cache-Status and in a metric.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../server/create-gateway.ts';
import type { CacheRule } from '../snapshot/types.ts';
import { TEST_KEY, application, basicSnapshot, keyHash, send, startGateway, startUpstream, subscription, type Upstream } from '../../test/gateway/fixtures.ts';
import { ResponseCache } from './response-cache.ts';

let now = Date.parse('2026-06-15T12:00:00Z');
const OTHER_KEY = 'other-key-0123456789abcdef';
let upstream: Upstream;
let gw: Gateway;
let served = 0;

const rule = (pattern: string, more: Partial<CacheRule> = {}): CacheRule => ({
  match: {
    pattern,
    segments: pattern
      .split('/')
      .filter(Boolean)
      .map((s) => (s.startsWith('{') ? '*' : s)),
    rest: 'none',
  },
  ttlSeconds: 60,
  queryParameters: [],
  headers: [],
  perApplication: false,
  ...more,
});

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    served++;
    if (req.url!.includes('cut')) {
      // Promises 100 bytes, sends a few, then drops the connection.
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
      res.write(`partial ${served}`);
      setTimeout(() => res.destroy(), 20);
      return;
    }
    const control = req.url!.includes('private') ? 'private' : req.url!.includes('nostore') ? 'no-store' : req.url!.includes('short') ? 'max-age=5' : undefined;
    res.writeHead(200, { 'content-type': 'text/plain', ...(control ? { 'cache-control': control } : {}) });
    res.end(`answer ${served} for ${req.url}`);
  });
  gw = await startGateway(undefined, { clock: () => now });
  const applied = gw.applySnapshot(
    basicSnapshot(upstream.url, (b) => {
      b.apis[0]!.policies = {
        responseCache: [
          rule('/items/{id}', { queryParameters: ['lang'], headers: ['accept-language'] }),
          rule('/private'),
          rule('/mine', { perApplication: true }),
          rule('/nostore'),
          rule('/short'),
          rule('/cut'),
        ],
      };
      b.applications.push(
        application(OTHER_KEY, { id: 'team-b/other', name: 'other', credentials: [{ name: 'main', keyHash: keyHash(OTHER_KEY), revoked: false }] }),
      );
      b.subscriptions.push(subscription({ id: 'team-b/other-gold', application: 'team-b/other' }));
    }),
  );
  if (!applied.ok) throw new Error(applied.errors.join('; '));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  now += 3_600_000;
});

const get = (path: string, headers: Record<string, string> = {}, key = TEST_KEY, method = 'GET') =>
  send(gw.proxyPort, `/hello/1.0.0${path}`, { method, headers: { 'x-api-key': key, ...headers } });

describe('response cache', () => {
  it('answers a repeated GET from memory with Age and Cache-Status, and HEAD from the same entry', async () => {
    const first = await get('/items/1?lang=en&noise=1');
    const second = await get('/items/1?lang=en&noise=2');
    expect(first.headers['cache-status']).toBe('tollgate; fwd=miss');
    expect(second.headers['cache-status']).toBe('tollgate; hit; ttl=60');
    expect(second.body).toBe(first.body);
    expect(second.headers.age).toBe('0');
    expect(second.headers['content-type']).toBe('text/plain');
    now += 10_000;
    const head = await get('/items/1?lang=en', {}, TEST_KEY, 'HEAD');
    expect(head.headers['cache-status']).toBe('tollgate; hit; ttl=50');
    expect(head.headers.age).toBe('10');
    expect(head.body).toBe('');
    const metrics = await gw.metrics.registry.getSingleMetricAsString('tollgate_response_cache_total');
    expect(metrics).toContain('result="hit"} 2');
  });

  it('keys by the chosen query parameters and headers only', async () => {
    const a = await get('/items/2?lang=en');
    expect((await get('/items/2?lang=de')).body).not.toBe(a.body);
    expect((await get('/items/2?lang=en', { 'accept-language': 'fr' })).body).not.toBe(a.body);
    expect((await get('/items/2?lang=en&page=9')).body).toBe(a.body);
  });

  it('expires entries after the TTL, or the shorter max-age of the upstream', async () => {
    const a = await get('/items/3');
    now += 61_000;
    expect((await get('/items/3')).body).not.toBe(a.body);
    const s = await get('/short');
    now += 4_000;
    expect((await get('/short')).body).toBe(s.body);
    now += 2_000;
    expect((await get('/short')).body).not.toBe(s.body);
  });

  it('does not keep no-store answers, nor private ones unless entries are per application', async () => {
    const n = await get('/nostore');
    expect((await get('/nostore')).body).not.toBe(n.body);
    const p = await get('/private');
    expect((await get('/private')).body).not.toBe(p.body);
  });

  it('does not keep an answer the upstream cut short', async () => {
    const before = served;
    await get('/cut').catch(() => undefined);
    await get('/cut').catch(() => undefined);
    expect(served - before).toBe(2);
  });

  it('keeps per-application entries apart', async () => {
    const mine = await get('/mine');
    expect((await get('/mine')).body).toBe(mine.body);
    const theirs = await get('/mine', {}, OTHER_KEY);
    expect(theirs.body).not.toBe(mine.body);
    expect(theirs.headers['cache-status']).toBe('tollgate; fwd=miss');
  });

  it('lets the client bypass it with Cache-Control: no-cache, and still authenticates a hit', async () => {
    const a = await get('/items/4');
    const bypass = await get('/items/4', { 'cache-control': 'no-cache' });
    expect(bypass.headers['cache-status']).toBe('tollgate; fwd=bypass');
    expect(bypass.body).not.toBe(a.body);
    // The bypass stored the fresh answer; a hit serves it.
    expect((await get('/items/4')).body).toBe(bypass.body);
    expect((await get('/items/4', {}, 'tg_wrong-key')).status).toBe(401);
  });
});

describe('the cache bound', () => {
  it('drops the least recently used entries past its size, and never keeps an entry over the entry limit', () => {
    const cache = new ResponseCache({ maxBytes: 3 * 1000, maxEntryBytes: 1200 });
    const entry = (n: number) => ({ status: 200, headers: {}, body: Buffer.alloc(n), storedAt: 0, expiresAt: 10, bytes: n });
    cache.set('a', entry(1000));
    cache.set('b', entry(1000));
    cache.set('c', entry(1000));
    cache.get('a', 1);
    cache.set('d', entry(1000));
    expect(cache.get('b', 1)).toBeUndefined();
    expect(cache.get('a', 1)).toBeDefined();
    expect(cache.bytes).toBeLessThanOrEqual(3000);
    cache.set('big', entry(1300));
    expect(cache.get('big', 1)).toBeUndefined();
    expect(cache.get('a', 11)).toBeUndefined();
  });
});
