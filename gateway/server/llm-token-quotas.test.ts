import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY, api, application, basicSnapshot, send, startGateway } from '../../test/gateway/fixtures.ts';
import { anthropicStream, openAiJson, openAiStream, startFakeProvider, type FakeProvider } from '../../test/llm/fake-provider.ts';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { waitFor } from '../../test/support/wait.ts';
import { createLimitStore } from '../limits/create-limit-store.ts';
import type { LimitStore } from '../limits/types.ts';
import type { Snapshot } from '../snapshot/types.ts';
import type { UsageRow } from '../usage/usage-cell.ts';
import type { Gateway } from './create-gateway.ts';

// The Bar: a streamed LLM response's token usage, as the provider reports it in the
// stream, is counted against the subscription's token quota exactly, on both stores.
const NOW = Date.parse('2026-06-15T12:00:00Z');

/** `second`: a second application (with this key) subscribed the same way, whose windows start empty. */
function llmSnapshot(provider: FakeProvider, kind: 'openai' | 'anthropic', second?: string): Snapshot {
  return basicSnapshot(provider.url, (b) => {
    b.routes = [{ host: '*', basePath: '/llm/v1', api: 'team-a/llm' }];
    b.apis = [api({ name: 'llm', context: '/llm', version: 'v1', upstreamUrl: `${provider.url}/v1`, llm: { provider: kind } })];
    b.products[0]!.operations = [{ api: 'team-a/llm', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] }];
    b.products[0]!.quotaFailureMode = 'closed';
    b.subscriptions[0]!.quota = { limit: 100, interval: 1, timeUnit: 'day' };
    b.subscriptions[0]!.tokenQuotas = [
      { tokens: 'total', limit: 50, interval: 1, timeUnit: 'hour' },
      { tokens: 'completion', limit: 1000, interval: 1, timeUnit: 'day' },
    ];
    if (second === undefined) return;
    b.applications.push(application(second, { id: 'team-b/second', name: 'second' }));
    b.subscriptions.push({ ...b.subscriptions[0]!, id: 'team-b/second-gold', application: 'team-b/second' });
  });
}

function capture() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const chat = (gw: Gateway, body: object, path = '/llm/v1/chat/completions') =>
  send(gw.proxyPort, path, {
    method: 'POST',
    headers: { 'x-api-key': TEST_KEY, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
    body: JSON.stringify(body),
  });

describe.each(['memory', 'redis'] as const)('token quotas of an LLM API (%s store)', (kind) => {
  let redis: RedisServer | undefined;
  let raw: Redis | undefined;
  let store: LimitStore;
  let provider: FakeProvider;
  let gw: Gateway;
  const log = capture();
  /** The usage ledger's rows as the gateway writes them (cumulative per minute and key: the last write of a key is its total). */
  const ledger = new Map<string, UsageRow>();
  const writer = {
    write: async (rows: readonly UsageRow[]) => {
      for (const row of rows) ledger.set(`${row.windowStart} ${row.application} ${row.model} ${row.statusClass}`, row);
    },
    close: async () => {},
  };

  beforeAll(async () => {
    provider = await startFakeProvider();
    if (kind === 'redis') {
      redis = await startRedisServer();
      raw = new Redis(redis.url);
    }
    store = createLimitStore(redis ? { redisUrl: redis.url } : {});
    if ('ready' in store) await (store as { ready(ms: number): Promise<boolean> }).ready(5000);
    gw = await startGateway(llmSnapshot(provider, 'openai'), {
      limitStore: store,
      clock: () => NOW,
      logger: log.logger,
      usage: { writer, flushIntervalMs: 50 },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await store?.close();
    raw?.disconnect();
    await redis?.close();
    await provider?.close();
  });

  it('counts a streamed response exactly, passes the stream through unchanged, and refuses once the window is used up', async () => {
    provider.usage = { prompt: 11, completion: 7 };
    const body = { model: 'gpt-fake', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'weather?' }] };
    const first = await chat(gw, body);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('text/event-stream');
    expect(first.body).toBe(openAiStream('The forecast for Oslo is rain, then more rain. ', { prompt: 11, completion: 7 }));
    // Asked upstream for an answer it can read, whatever the client accepts.
    expect(provider.requests[0]!.headers['accept-encoding']).toBe('identity');
    // Admitted with all 50 left; the stream's 18 tokens are counted when it ends.
    expect(first.headers['ratelimit']).toBe('"quota";r=99;t=43200, "tokens-total";r=50;t=3600, "tokens-completion";r=1000;t=43200');
    if (raw) expect(await raw.get(`tollgate:limits:{team-b/app|team-a/gold}:t:total:hour1:${Math.floor(NOW / 3_600_000)}`)).toBe('18');

    const second = await chat(gw, body);
    expect(second.headers['ratelimit']).toContain('"tokens-total";r=32;');
    expect(second.headers['ratelimit']).toContain('"tokens-completion";r=993;');
    // Not streamed this time: the JSON body's usage counts the same way.
    provider.usage = { prompt: 10, completion: 3 };
    const third = await chat(gw, { ...body, stream: false });
    expect(third.body).toBe(openAiJson('The forecast for Oslo is rain, then more rain. ', { prompt: 10, completion: 3 }));
    expect(third.headers['ratelimit']).toContain('"tokens-total";r=14;');
    const fourth = await chat(gw, body);
    expect(fourth.headers['ratelimit']).toContain('"tokens-total";r=1;');
    // 18 + 18 + 13 + 13 = 62 >= 50: refused before the provider sees it.
    const seen = provider.requests.length;
    const refused = await chat(gw, body);
    expect(refused.status).toBe(429);
    expect(refused.json().code).toBe('token-quota-exceeded');
    expect(refused.headers['ratelimit']).toContain('"tokens-total";r=0;');
    expect(Number(refused.headers['retry-after'])).toBe(3600);
    expect(provider.requests.length).toBe(seen);
    if (raw) expect(await raw.get(`tollgate:limits:{team-b/app|team-a/gold}:t:total:hour1:${Math.floor(NOW / 3_600_000)}`)).toBe('62');

    await waitFor('five access-log lines', () => log.lines.filter((l) => l.msg === 'request').length >= 5);
    const logged = log.lines.filter((l) => l.msg === 'request');
    expect(logged[0]).toMatchObject({ status: 200, model: 'gpt-fake', tokens: { prompt: 11, completion: 7, total: 18 } });
    expect(logged[2]).toMatchObject({ tokens: { prompt: 10, completion: 3, total: 13 } });
    expect(logged[4]).toMatchObject({ status: 429, code: 'token-quota-exceeded', limited: 'tokenQuota' });

    // The usage ledger: tokens per application and model.
    await waitFor('the ledger to hold the four answers', () => [...ledger.values()].some((r) => r.model === 'gpt-fake' && r.requests === 4));
    const row = [...ledger.values()].find((r) => r.model === 'gpt-fake')!;
    expect(row).toMatchObject({
      application: 'team-b/app',
      product: 'team-a/gold',
      requests: 4,
      promptTokens: 11 + 11 + 10 + 10,
      completionTokens: 7 + 7 + 3 + 3,
    });
  });

  it('counts an Anthropic-shaped stream (input in message_start, output in the last message_delta)', async () => {
    provider.usage = { prompt: 20, completion: 9 };
    const body = { model: 'claude-fake', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] };
    const key = 'second-key-0123456789abcdef';
    expect(gw.applySnapshot(llmSnapshot(provider, 'anthropic', key)).ok).toBe(true);
    const call = () =>
      send(gw.proxyPort, '/llm/v1/messages', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const first = await call();
    expect(first.body).toBe(anthropicStream('The forecast for Oslo is rain, then more rain. ', { prompt: 20, completion: 9 }));
    expect((await call()).headers['ratelimit']).toContain('"tokens-total";r=21;');
    expect((await call()).headers['ratelimit']).toContain('"tokens-total";r=0;');
    expect((await call()).status).toBe(429);
  });
});
