import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../usage/migrations.ts';
import { startPostgresServer, type PostgresServer } from '../../test/support/postgres-server.ts';
import type { Exchange } from '../http/exchange.ts';
import { connectPostgres, type SqlClient } from './sql-client.ts';
import { UsageRecorder, type UsageEvents } from './usage-recorder.ts';
import { sqlUsageWriter } from './usage-writer.ts';

let server: PostgresServer;
let db: SqlClient;
beforeAll(async () => {
  server = await startPostgresServer();
  db = await connectPostgres(server.url);
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  await server?.close();
});

function exchange(status: number, more: Partial<Exchange> = {}): Exchange {
  return {
    id: 'x',
    startedAt: 0,
    method: 'GET',
    application: 'shop/web',
    credential: 'main',
    product: 'shop/gold',
    plan: 'gold',
    api: 'shop/pets',
    status,
    ...more,
  };
}

interface Seen {
  flushes: Array<{ result: string; rows: number; requests: number }>;
  dropped: number;
  buffered: number;
  errors: number;
}

async function recorder(
  replica: string,
  now: () => number,
  more: { maxCells?: number; drainTimeoutMs?: number } = {},
): Promise<{ recorder: UsageRecorder; seen: Seen }> {
  const seen: Seen = { flushes: [], dropped: 0, buffered: 0, errors: 0 };
  const events: UsageEvents = {
    flushed: (result, _s, rows, requests) => seen.flushes.push({ result, rows, requests }),
    buffered: (cells) => (seen.buffered = cells),
    dropped: (requests) => (seen.dropped += requests),
    error: () => seen.errors++,
  };
  // A long interval: the test flushes by hand.
  // Its own pool, as in a gateway: closing the recorder closes it.
  const r = new UsageRecorder({
    writer: sqlUsageWriter(await connectPostgres(server.url), replica, 'i1'),
    events,
    now,
    flushIntervalMs: 3_600_000,
    writeTimeoutMs: 3_000,
    ...more,
  });
  return { recorder: r, seen };
}

async function totals(replica: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.query(
    `SELECT to_char(window_start AT TIME ZONE 'UTC', 'HH24:MI') AS minute, status_class, operation, sum(requests)::int AS requests, sum(billable)::int AS billable,
       sum(refused)::int AS refused, sum(bytes_out)::int AS bytes_out FROM usage_minute WHERE replica = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [replica],
  );
  return rows;
}

describe('UsageRecorder against a real PostgreSQL', () => {
  it('counts per minute and key, billable apart from refused, and rewrites cumulative rows without double counting', async () => {
    let t = Date.parse('2026-11-30T10:00:05Z');
    const { recorder: r, seen } = await recorder('rec-a', () => t);
    for (const status of [200, 200, 204, 302, 401, 403, 429, 404, 502]) r.record(exchange(status, { bytesOut: 100, operation: 'GET /pets' }), 0.004);
    expect(await r.flush()).toBe(true);
    expect(await r.flush()).toBe(true);
    t += 60_000;
    r.record(exchange(200, { operation: 'GET /pets' }), 0.004);
    expect(await r.flush()).toBe(true);
    expect(await totals('rec-a')).toEqual([
      { minute: '10:00', status_class: '2xx', operation: 'GET /pets', requests: 3, billable: 3, refused: 0, bytes_out: 300 },
      { minute: '10:00', status_class: '3xx', operation: 'GET /pets', requests: 1, billable: 1, refused: 0, bytes_out: 100 },
      { minute: '10:00', status_class: '4xx', operation: 'GET /pets', requests: 4, billable: 0, refused: 3, bytes_out: 400 },
      { minute: '10:00', status_class: '5xx', operation: 'GET /pets', requests: 1, billable: 0, refused: 0, bytes_out: 100 },
      { minute: '10:01', status_class: '2xx', operation: 'GET /pets', requests: 1, billable: 1, refused: 0, bytes_out: 0 },
    ]);
    // The second flush had nothing new; the store confirmed 9, then 1.
    expect(seen.flushes.map((f) => [f.result, f.requests])).toEqual([
      ['ok', 9],
      ['ok', 1],
    ]);
    // The 10:00 minute is over and written: it left memory.
    expect(seen.buffered).toBe(1);
    await r.close();
  });

  it('keeps counting while the store is down, retries, and writes each request exactly once when it is back', async () => {
    const t = Date.parse('2026-11-30T11:00:05Z');
    const { recorder: r, seen } = await recorder('rec-b', () => t);
    r.record(exchange(200), 0.001);
    expect(await r.flush()).toBe(true);
    await server.stop();
    try {
      r.record(exchange(200), 0.001);
      const started = performance.now();
      r.record(exchange(200), 0.001);
      // Recording is a Map update: it never waits for the store.
      expect(performance.now() - started).toBeLessThan(5);
      expect(await r.flush()).toBe(false);
      expect(await r.flush()).toBe(false);
    } finally {
      await server.start();
    }
    expect(await r.flush()).toBe(true);
    expect(await totals('rec-b')).toEqual([{ minute: '11:00', status_class: '2xx', operation: '', requests: 3, billable: 3, refused: 0, bytes_out: 0 }]);
    expect(seen.flushes.map((f) => f.result)).toEqual(['ok', 'failed', 'failed', 'ok']);
    expect(seen.flushes.at(-1)!.requests).toBe(2);
    expect(seen.errors).toBe(2);
    await r.close();
  });

  it('bounds what it keeps for a store that stays down: the oldest finished minutes go, counted', async () => {
    let t = Date.parse('2026-11-30T12:00:05Z');
    const { recorder: r, seen } = await recorder('rec-c', () => t, { maxCells: 2, drainTimeoutMs: 300 });
    await server.stop();
    try {
      for (let minute = 0; minute < 4; minute++) {
        for (let i = 0; i <= minute; i++) r.record(exchange(200), 0.001);
        t += 60_000;
        await r.flush();
      }
      // The minutes of 1 and 2 requests went to stay within 2 cells; those of 3 and 4 stay.
      expect(seen.dropped).toBe(1 + 2);
      expect(seen.buffered).toBe(2);
      expect(await r.close()).toBe(false);
    } finally {
      await server.start();
    }
  });

  it('on close writes the minute under way', async () => {
    const t = Date.parse('2026-11-30T13:00:05Z');
    const { recorder: r } = await recorder('rec-d', () => t);
    r.record(exchange(200), 0.001);
    r.record(exchange(429), 0.001);
    expect(await r.close()).toBe(true);
    r.record(exchange(200), 0.001);
    expect(await totals('rec-d')).toEqual([
      { minute: '13:00', status_class: '2xx', operation: '', requests: 1, billable: 1, refused: 0, bytes_out: 0 },
      { minute: '13:00', status_class: '4xx', operation: '', requests: 1, billable: 0, refused: 1, bytes_out: 0 },
    ]);
  });
});
