// Subscription status.usage in a cluster: calls in each subscription's quota window,
// summed from ledger rows the real usage writer put in a real PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTimeZone } from '../gateway/limits/time-zone.ts';
import type { Subscription } from '../gateway/snapshot/types.ts';
import type { SqlClient } from '../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../gateway/usage/usage-writer.ts';
import { subscriptionUsages } from '../operator/status/subscription-usage.ts';
import { startPostgresServer, type PostgresServer } from '../test/support/postgres-server.ts';
import { usageRow } from '../test/usage/usage-rows.ts';
import { migrate } from './migrations.ts';
import { openUsageDatabase } from './open-database.ts';
import { ledgerCounter } from './subscription-calls.ts';

let server: PostgresServer;
let db: SqlClient;
beforeAll(async () => {
  server = await startPostgresServer();
  db = await openUsageDatabase(server.url);
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  await server?.close();
});

const subs: Subscription[] = [
  { id: 'shop/web-gold', application: 'shop/web', product: 'shop/gold', quota: { limit: 1000, interval: 1, timeUnit: 'day' } },
  { id: 'shop/web-free', application: 'shop/web', product: 'shop/free' },
  { id: 'shop/app-gold', application: 'shop/app', product: 'shop/gold', quota: { limit: 50, interval: 1, timeUnit: 'hour' } },
];

describe('ledgerCounter', () => {
  it('sums the ledger per application and product over each window, refused calls and other windows left out', async () => {
    const a = sqlUsageWriter(db, 'gw-a', 'i1');
    const b = sqlUsageWriter(db, 'gw-b', 'i1');
    await a.write([
      usageRow('2026-11-30T09:59:00Z', { requests: 4 }),
      usageRow('2026-11-30T10:05:00Z', { requests: 7 }),
      usageRow('2026-11-30T10:05:00Z', { requests: 3, statusClass: '4xx', billable: 0, refused: 3 }),
      usageRow('2026-11-30T10:06:00Z', { requests: 2, statusClass: '5xx', billable: 0 }),
      usageRow('2026-11-29T23:59:00Z', { requests: 100 }),
      usageRow('2026-11-02T08:00:00Z', { requests: 9, product: 'shop/free' }),
      usageRow('2026-10-31T08:00:00Z', { requests: 90, product: 'shop/free' }),
      usageRow('2026-11-30T10:10:00Z', { requests: 6, application: 'shop/app' }),
      usageRow('2026-11-30T09:10:00Z', { requests: 60, application: 'shop/app' }),
    ]);
    await b.write([usageRow('2026-11-30T10:07:00Z', { requests: 5 })]);
    // A retried flush changes nothing.
    await b.write([usageRow('2026-11-30T10:07:00Z', { requests: 5 })]);

    const now = Date.parse('2026-11-30T10:15:00Z');
    const zone = parseTimeZone('UTC');
    const usages = subscriptionUsages(subs, await ledgerCounter(db, subs, now, zone), now, zone);
    expect(Object.fromEntries(usages)).toEqual({
      // Day window: 4 + 7 + 2 (a 5xx is a call) + 5 from the other replica; the 3 refused and yesterday's 100 are not.
      'shop/web-gold': {
        window: { start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
        calls: 18,
        quota: 1000,
        observedAt: '2026-11-30T10:15:00.000Z',
      },
      // No quota: the calendar month.
      'shop/web-free': { window: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, calls: 9, observedAt: '2026-11-30T10:15:00.000Z' },
      'shop/app-gold': {
        window: { start: '2026-11-30T10:00:00.000Z', end: '2026-11-30T11:00:00.000Z' },
        calls: 6,
        quota: 50,
        observedAt: '2026-11-30T10:15:00.000Z',
      },
    });

    // In another zone the day starts elsewhere: 23:59Z on the 29th is the 30th at +05:30.
    const india = parseTimeZone('+05:30');
    const there = subscriptionUsages(subs.slice(0, 1), await ledgerCounter(db, subs.slice(0, 1), now, india), now, india);
    expect(there.get('shop/web-gold')).toMatchObject({ window: { start: '2026-11-29T18:30:00.000Z', end: '2026-11-30T18:30:00.000Z' }, calls: 118 });
  });
});
