import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlClient } from '../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../gateway/usage/usage-writer.ts';
import { startPostgresServer, type PostgresServer } from '../test/support/postgres-server.ts';
import { usageRow } from '../test/usage/usage-rows.ts';
import { emptyCatalog } from './catalog.ts';
import { migrate } from './migrations.ts';
import { openUsageDatabase } from './open-database.ts';
import { usageReport } from './report.ts';
import { applyRetention, rollUp } from './rollup.ts';

let server: PostgresServer;
const pgliteDir = mkdtempSync(join(tmpdir(), 'tollgate-pglite-'));
beforeAll(async () => {
  server = await startPostgresServer();
});
afterAll(async () => {
  await server?.close();
  rmSync(pgliteDir, { recursive: true, force: true });
});

const NOV = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') };

// One SQL dialect: the same behaviour on a PostgreSQL server and on PGlite.
describe.each([
  ['PostgreSQL server', () => openUsageDatabase(server.url)],
  ['PGlite', () => openUsageDatabase(`pglite:${pgliteDir}`)],
])('usage store on %s', (_name, open) => {
  let db: SqlClient;
  beforeAll(async () => {
    db = await open();
    expect(await migrate(db)).toEqual([1, 2, 3]);
  });
  afterAll(async () => db?.close());

  it('migrates once: a second run applies nothing', async () => {
    expect(await migrate(db)).toEqual([]);
  });

  it('writes idempotently per (replica, incarnation, window, key): a retried write never double counts', async () => {
    const writer = sqlUsageWriter(db, 'gw-a', 'i1');
    const rows = [
      usageRow('2026-11-03T10:15:00Z', { requests: 5 }),
      usageRow('2026-11-03T10:15:00Z', { requests: 2, statusClass: '4xx', billable: 0, refused: 2 }),
    ];
    await writer.write(rows);
    await writer.write(rows);
    // Cumulative totals: the same minute later holds more, and an older (smaller) write arriving late changes nothing.
    await writer.write([usageRow('2026-11-03T10:15:00Z', { requests: 7 })]);
    await writer.write([usageRow('2026-11-03T10:15:00Z', { requests: 6 })]);
    // Another process of the same replica name adds its own rows.
    await sqlUsageWriter(db, 'gw-a', 'i2').write([usageRow('2026-11-03T10:15:00Z', { requests: 1 })]);
    const report = await usageReport(db, { period: NOV, groupBy: ['status_class'], filters: {} }, emptyCatalog());
    expect(report.map((r) => [r.group.status_class, r.requests, r.billable, r.refused])).toEqual([
      ['2xx', 8, 8, 0],
      ['4xx', 2, 0, 2],
    ]);
  });

  it('rolls minutes up to hours and days, the same totals at every level, and again after late rows', async () => {
    const writer = sqlUsageWriter(db, 'gw-b', 'i1');
    await writer.write([
      usageRow('2026-11-03T11:59:00Z', { requests: 3, application: 'shop/app2' }),
      usageRow('2026-11-04T00:00:00Z', { requests: 4, application: 'shop/app2' }),
    ]);
    const filters = { application: 'shop/app2' };
    const byDay = await usageReport(db, { period: NOV, groupBy: ['day'], filters }, emptyCatalog());
    expect(byDay.map((r) => [r.group.day, r.requests])).toEqual([
      ['2026-11-03', 3],
      ['2026-11-04', 4],
    ]);
    const hourly = await usageReport(
      db,
      { period: { from: Date.parse('2026-11-03T11:00:00Z'), to: Date.parse('2026-11-04T01:00:00Z') }, groupBy: ['hour'], filters },
      emptyCatalog(),
    );
    expect(hourly.map((r) => [r.group.hour, r.requests])).toEqual([
      ['2026-11-03T11:00Z', 3],
      ['2026-11-04T00:00Z', 4],
    ]);
    const minutes = await usageReport(
      db,
      { period: { from: Date.parse('2026-11-03T11:59:00Z'), to: Date.parse('2026-11-03T11:59:30Z') }, groupBy: [], filters },
      emptyCatalog(),
    );
    expect(minutes.map((r) => r.requests)).toEqual([3]);
    await writer.write([usageRow('2026-11-03T11:59:00Z', { requests: 10, application: 'shop/app2' })]);
    const again = await usageReport(db, { period: NOV, groupBy: ['month'], filters }, emptyCatalog());
    expect(again.map((r) => [r.group.month, r.requests])).toEqual([['2026-11', 14]]);
  });

  it('keeps each level for its retention: minutes go first, hours and days stay', async () => {
    await rollUp(db, NOV);
    const deleted = await applyRetention(db, Date.parse('2026-11-20T00:00:00Z'));
    expect(deleted.minute).toBeGreaterThan(0);
    expect(deleted.hour).toBe(0);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_minute');
    expect(Number(rows[0]!.n)).toBe(0);
    // The month still reports from the days, and a roll-up with no minutes left changes nothing.
    const report = await usageReport(db, { period: NOV, groupBy: [], filters: {} }, emptyCatalog());
    expect(report.map((r) => r.requests)).toEqual([8 + 2 + 14]);
  });
});
