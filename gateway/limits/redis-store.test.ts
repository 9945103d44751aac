import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/redis/redis-server.ts';
import { limitStoreContract } from '../../test/gateway/limit-store-contract.ts';
import { RedisLimitStore } from './redis-store.ts';
import { startSlowLink } from '../../test/redis/slow-link.ts';
import { waitFor } from '../../test/support/wait.ts';
import type { LimitDecision, LimitRequest, StoreErrorContext, StoreIncidentEnd } from './types.ts';

const HAMMER = fileURLToPath(new URL('../../test/redis/hammer-limit-store.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisLimitStore', () => {
  let redis: RedisServer;
  let store: RedisLimitStore;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    store = new RedisLimitStore({ url: redis.url, spikeClock: 'caller' });
    expect(await store.ready()).toBe(true);
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    raw?.disconnect();
    await store?.close();
    await redis?.close();
  });

  describe('contract (injected time)', () => {
    limitStoreContract(() => store);
  });

  it('keys both counters under one {application|product} hash tag and expires them after their window', async () => {
    const now = Date.now();
    const req: LimitRequest = {
      application: 'team-a/keys',
      product: 'team-a/gold',
      operation: 'GET /items',
      failureMode: 'open',
      quota: { limit: 10, interval: 1, timeUnit: 'day' },
      rateLimit: { requests: 1, per: 'minute', burst: 0 },
    };
    await store.check(req, now);
    const keys = (await raw.keys('tollgate:limits:*keys*')).sort();
    const day = Math.floor(now / 86_400_000);
    expect(keys).toEqual([`tollgate:limits:{team-a/keys|team-a/gold}:q:op:GET /items:day1:${day}`, 'tollgate:limits:{team-a/keys|team-a/gold}:spike']);
    const quotaTtl = await raw.pttl(keys[0] ?? '');
    const windowLeft = (day + 1) * 86_400_000 - now;
    expect(quotaTtl).toBeGreaterThan(windowLeft + 55_000);
    expect(quotaTtl).toBeLessThanOrEqual(windowLeft + 60_000);
    const spikeTtl = await raw.pttl(keys[1] ?? '');
    expect(spikeTtl).toBeGreaterThan(55_000);
    expect(spikeTtl).toBeLessThanOrEqual(61_000);
  });

  it('hands each check of one batch its decision through checkThen, even when another caller throws in its own', async () => {
    const now = Date.now();
    const request = (n: number): LimitRequest => ({
      application: `ns/then-${n}`,
      product: 'ns/p',
      failureMode: 'closed',
      quota: { limit: 1, interval: 1, timeUnit: 'day' },
    });
    const decisions = await new Promise<LimitDecision[]>((resolve) => {
      const got: LimitDecision[] = [];
      for (let n = 0; n < 6; n++) {
        store.checkThen(request(n % 3), now, (decision) => {
          got.push(decision);
          if (got.length === 6) resolve(got);
          if (n === 0) throw new Error('a caller failing in its own continuation');
        });
      }
    });
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
    expect(decisions.every((d) => d.headers['RateLimit-Policy'] === '"quota";q=1;w=86400')).toBe(true);
  });

  it('keeps answering after Redis forgets its scripts (EVALSHA falls back to EVAL)', async () => {
    const req: LimitRequest = { application: 'ns/flush', product: 'ns/p', failureMode: 'closed', quota: { limit: 2, interval: 1, timeUnit: 'hour' } };
    const now = Date.now();
    expect((await store.check(req, now)).allowed).toBe(true);
    await raw.script('FLUSH');
    expect(await store.check(req, now)).toMatchObject({ allowed: true });
    expect(await store.check(req, now)).toMatchObject({ allowed: false, reason: 'quota' });
  });

  it('batches concurrent checks into few script calls and decides each exactly as if alone', async () => {
    const now = Date.now();
    const quotaOf = (limit: number) => ({ limit, interval: 1, timeUnit: 'hour' as const });
    const a: LimitRequest = { application: `ns/batch-a-${now}`, product: 'ns/p', failureMode: 'closed', quota: quotaOf(100) };
    const b: LimitRequest = { application: `ns/batch-b-${now}`, product: 'ns/p', failureMode: 'closed', quota: quotaOf(10) };
    const c: LimitRequest = { ...b, application: `ns/batch-c-${now}`, rateLimit: { requests: 1, per: 'minute', burst: 4 } };
    const before = Number(/calls=(\d+)/.exec((await raw.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha')) ?? '')?.[1] ?? 0);
    const requests = [...Array.from({ length: 300 }, () => a), ...Array.from({ length: 40 }, () => b), ...Array.from({ length: 20 }, () => c)];
    const decisions = await Promise.all(requests.map((r) => store.check(r, now)));
    const after = Number(/calls=(\d+)/.exec((await raw.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha')) ?? '')?.[1] ?? 0);
    const of = (r: LimitRequest) => decisions.filter((_, i) => requests[i] === r);
    expect(of(a).filter((d) => d.allowed)).toHaveLength(100);
    expect(of(b).filter((d) => d.allowed)).toHaveLength(10);
    expect(of(c).filter((d) => d.allowed)).toHaveLength(5); // burst 4 + 1, within its quota of 10
    expect(decisions.every((d) => d.reason !== 'storeUnavailable')).toBe(true);
    // In order, like separate calls: the admitted ones saw 99, 98, ... 0 left.
    const left = of(a)
      .filter((d) => d.allowed)
      .map((d) => Number(/"quota";r=(\d+)/.exec(d.headers.RateLimit ?? '')?.[1]));
    expect(left).toEqual(Array.from({ length: 100 }, (_, i) => 99 - i));
    expect(
      of(a)
        .slice(100)
        .every((d) => d.reason === 'quota'),
    ).toBe(true);
    expect(after - before).toBeLessThan(requests.length / 4);
  });

  it('times spike arrest on the Redis clock, so skewed gateway clocks cannot admit more', async () => {
    const shared = new RedisLimitStore({ url: redis.url });
    try {
      expect(await shared.ready()).toBe(true);
      const req: LimitRequest = { application: 'ns/skew', product: 'ns/p', failureMode: 'closed', rateLimit: { requests: 1, per: 'minute', burst: 2 } };
      const real = Date.now();
      // Three "gateways" whose clocks are ten minutes apart.
      const clocks = [real - 600_000, real, real + 600_000, real + 600_000, real - 600_000];
      const decisions: LimitDecision[] = [];
      for (const now of clocks) decisions.push(await shared.check(req, now));
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
      const retry = Number(decisions[3]?.headers['Retry-After']);
      expect(retry).toBeGreaterThanOrEqual(59);
      expect(retry).toBeLessThanOrEqual(60);
    } finally {
      await shared.close();
    }
  });

  it('counts exactly across two gateway processes: 2 x 500 concurrent checks, limit 300', async () => {
    const application = `ns/exact-${Date.now()}`;
    const children = [0, 1].map(() => spawn(process.execPath, [HAMMER, redis.url, application, '300', '500', '50'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 25_000);
    try {
      const outputs = children.map((child) => {
        const lines: string[] = [];
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const reader = createInterface({ input: child.stdout });
        const ready = new Promise<void>((resolve, reject) => {
          reader.on('line', (line) => {
            lines.push(line);
            if (line === 'ready') resolve();
          });
          child.once('exit', (code) => reject(new Error(`hammer exited (${code}) before ready: ${stderr}`)));
        });
        const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
        return { lines, ready, done };
      });
      await Promise.all(outputs.map((o) => o.ready));
      for (const child of children) child.stdin?.write('go\n');
      const tallies = [];
      for (const o of outputs) {
        const { code, stderr } = await o.done;
        expect(code, stderr).toBe(0);
        tallies.push(JSON.parse(o.lines.at(-1) ?? '{}') as { allowed: number; refused: number; unavailable: number });
      }
      expect(tallies.every((t) => t.allowed > 0)).toBe(true); // both processes really competed
      expect(tallies.reduce((n, t) => n + t.allowed, 0)).toBe(300);
      expect(tallies.reduce((n, t) => n + t.refused, 0)).toBe(700);
      expect(tallies.reduce((n, t) => n + t.unavailable, 0)).toBe(0);
      const [counter] = await raw.keys(`tollgate:limits:{${application}|ns/product}:q:*`);
      expect(await raw.get(counter ?? '')).toBe('300');
    } finally {
      clearTimeout(killer);
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('RedisLimitStore when Redis fails', () => {
  let redis: RedisServer;
  let store: RedisLimitStore;
  const errors: Array<{ error: Error; context: StoreErrorContext }> = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    store = new RedisLimitStore({
      url: redis.url,
      commandTimeoutMs: 100,
      onStoreError: (error, context) => errors.push({ error, context }),
    });
    expect(await store.ready()).toBe(true);
  });
  afterAll(async () => {
    await store?.close();
    await redis?.close();
  });

  const quota = { limit: 100_000, interval: 1, timeUnit: 'hour' as const };
  const open: LimitRequest = { application: 'ns/app', product: 'ns/open', failureMode: 'open', quota };
  const closed: LimitRequest = { ...open, product: 'ns/closed', failureMode: 'closed' };

  async function untilCounted(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while ((await store.check({ ...open, application: 'ns/probe' }, Date.now())).reason === 'storeUnavailable') {
      if (Date.now() > deadline) throw new Error('the store did not reconnect to Redis in time');
      await sleep(20);
    }
  }

  it('fails open or closed per product while Redis is down, answers within the timeout, and counts again once it is back', async () => {
    errors.length = 0;
    type Phase = 'up' | 'stopping' | 'down' | 'starting' | 'back';
    let phase: Phase = 'up';
    let stop = false;
    const results: Array<{ phase: Phase; request: LimitRequest; decision: LimitDecision; ms: number }> = [];
    const load = (async () => {
      const deadline = Date.now() + 15_000;
      while (!stop && Date.now() < deadline) {
        for (const request of [open, closed]) {
          const started = performance.now();
          const decision = await store.check(request, Date.now());
          results.push({ phase, request, decision, ms: performance.now() - started });
        }
        await sleep(2);
      }
    })();

    await sleep(200);
    phase = 'stopping';
    await redis.stop('SIGKILL');
    phase = 'down';
    await sleep(500);
    phase = 'starting';
    await redis.start();
    phase = 'back';
    await untilCounted(5000);
    await sleep(100);
    stop = true;
    await load;

    const inPhase = (p: Phase) => results.filter((r) => r.phase === p);
    expect(inPhase('up').length).toBeGreaterThan(10);
    expect(inPhase('up').every((r) => r.decision.allowed && r.decision.reason === undefined)).toBe(true);
    const down = inPhase('down');
    expect(down.filter((r) => r.request === open).length).toBeGreaterThan(10);
    expect(down.filter((r) => r.request === closed).length).toBeGreaterThan(10);
    for (const r of down) {
      expect(r.decision.reason).toBe('storeUnavailable');
      expect(r.decision.allowed).toBe(r.request.failureMode === 'open');
      expect(r.decision.headers['RateLimit-Policy']).toBe('"quota";q=100000;w=3600');
    }
    expect(down.find((r) => r.request === closed)?.decision.headers['Retry-After']).toBe('1');
    expect(results.every((r) => r.ms < 200)).toBe(true);
    // Counting resumed: the last checks went through Redis again.
    const last = inPhase('back').at(-1)?.decision;
    expect(last?.allowed).toBe(true);
    expect(last?.reason).toBeUndefined();

    const unavailable = results.filter((r) => r.decision.reason === 'storeUnavailable');
    const loadErrors = errors.filter((e) => e.context.application === 'ns/app');
    expect(loadErrors).toHaveLength(unavailable.length);
    expect(loadErrors.filter((e) => e.context.failureMode === 'open')).toHaveLength(unavailable.filter((r) => r.request.failureMode === 'open').length);
    expect(loadErrors[0]?.context).toMatchObject({ product: expect.stringMatching(/^ns\/(open|closed)$/) });

    // Redis came back empty; the quota counts from zero again and holds exactly.
    const fresh: LimitRequest = { ...closed, application: 'ns/after', quota: { limit: 3, interval: 1, timeUnit: 'hour' } };
    const now = Date.now();
    const after = [];
    for (let i = 0; i < 5; i++) after.push(await store.check(fresh, now));
    expect(after.map((d) => d.reason ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'quota', 'quota']);
  });

  it('counts a check Redis answers late but within the grace, instead of deciding it by the failure mode', async () => {
    await untilCounted(5000);
    const late: LimitRequest = { ...open, application: `ns/late-${Date.now()}`, quota: { limit: 5, interval: 1, timeUnit: 'hour' } };
    redis.pause();
    const resume = setTimeout(() => redis.resume(), 200);
    const started = performance.now();
    let decision: LimitDecision;
    try {
      decision = await store.check(late, Date.now());
    } finally {
      clearTimeout(resume);
      redis.resume();
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(decision.reason).toBeUndefined();
    expect(decision.headers.RateLimit).toContain('"quota";r=4;');
    expect(errors.filter((e) => e.context.application === late.application)).toEqual([]);
  });

  it('sends every queued check in one round, so none waits behind more than one round of batches', async () => {
    // Every reply 150 ms late: each batch misses its 100 ms deadline and is answered in its grace.
    const link = await startSlowLink(redis.port, 150);
    const far = new RedisLimitStore({ url: link.url, commandTimeoutMs: 100 });
    try {
      expect(await far.ready()).toBe(true);
      const many: LimitRequest = { ...open, application: `ns/many-${Date.now()}` };
      const timed = async () => {
        const started = performance.now();
        const decision = await far.check(many, Date.now());
        return { reason: decision.reason, ms: performance.now() - started };
      };
      const first = timed();
      await new Promise((resolve) => setImmediate(resolve));
      // 400 queued behind the first: four script calls of at most 128, sent together once it is answered.
      const results = await Promise.all([first, ...Array.from({ length: 400 }, timed)]);
      expect(results.filter((r) => r.reason !== undefined)).toEqual([]);
      // Two round trips (the first check's, then the rest's); one batch after another would be five.
      expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(3.5 * 150);
    } finally {
      await far.close();
      await link.close();
    }
  });

  it('gives up on a hung Redis after the timeout and its grace, then at the plain timeout until it answers again', async () => {
    await untilCounted(5000);
    redis.pause();
    try {
      // 100 ms and two more of grace for the first miss; the store is down from then on.
      for (const [request, minMs, maxMs] of [
        [open, 295, 450],
        [closed, 95, 250],
        [open, 95, 250],
      ] as const) {
        const started = performance.now();
        const decision = await store.check(request, Date.now());
        const ms = performance.now() - started;
        expect(decision.reason).toBe('storeUnavailable');
        expect(decision.allowed).toBe(request.failureMode === 'open');
        expect(ms).toBeGreaterThanOrEqual(minMs);
        expect(ms).toBeLessThan(maxMs);
      }
    } finally {
      redis.resume();
    }
    await untilCounted(5000);
    expect((await store.check(closed, Date.now())).reason).toBeUndefined();
  });

  it('reports an outage once when it starts and once when it ends, with what it let through per product', async () => {
    const starts: StoreErrorContext[] = [];
    const ends: StoreIncidentEnd[] = [];
    const watched = new RedisLimitStore({
      url: redis.url,
      commandTimeoutMs: 100,
      onIncidentStart: (_error, context) => starts.push(context),
      onIncidentEnd: (report) => ends.push(report),
    });
    try {
      expect(await watched.ready()).toBe(true);
      expect((await watched.check(open, Date.now())).reason).toBeUndefined();
      redis.pause();
      try {
        // Sent together: the first batch times out (after its grace) and the checks queued behind it fail with it, not one timeout later.
        const started = performance.now();
        const first = watched.check(open, Date.now());
        await new Promise((resolve) => setImmediate(resolve));
        const decisions = await Promise.all([first, ...[open, closed, open, closed].map((r) => watched.check(r, Date.now()))]);
        expect(performance.now() - started).toBeLessThan(390);
        expect(decisions.map((d) => d.reason)).toEqual(Array(5).fill('storeUnavailable'));
      } finally {
        redis.resume();
      }
      expect(starts).toEqual([expect.objectContaining({ product: 'ns/open', failureMode: 'open' })]);
      expect(ends).toEqual([]);
      await waitFor('a check counted again', async () => (await watched.check({ ...open, application: 'ns/probe' }, Date.now())).reason === undefined);
      expect(ends).toEqual([
        expect.objectContaining({
          recovered: true,
          admittedUncounted: 3,
          refused: 2,
          admittedUncountedByProduct: { 'ns/open': 3 },
          refusedByProduct: { 'ns/closed': 2 },
          firstError: 'limit store did not answer within 300 ms',
        }),
      ]);
      expect(starts).toHaveLength(1);
    } finally {
      await watched.close();
    }
  });

  it('still decides when the error hook itself throws', async () => {
    const throwing = new RedisLimitStore({
      url: 'redis://127.0.0.1:1',
      onStoreError: () => {
        throw new Error('metrics broke');
      },
    });
    try {
      expect(await throwing.check(closed, Date.now())).toMatchObject({ allowed: false, reason: 'storeUnavailable' });
      expect(await throwing.check(open, Date.now())).toMatchObject({ allowed: true, reason: 'storeUnavailable' });
    } finally {
      await throwing.close();
    }
  });
});
