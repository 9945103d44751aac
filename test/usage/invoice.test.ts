import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, type SqlClient } from '../../gateway/usage/sql-client.ts';
import { sqlUsageWriter } from '../../gateway/usage/usage-writer.ts';
import { migrate } from '../../usage/migrations.ts';
import { startPostgresServer, type PostgresServer } from '../support/postgres-server.ts';
import { tollgate } from './usage-cli.ts';
import { usageRow } from './usage-rows.ts';

const estate = fileURLToPath(new URL('./testdata/invoice/estate.yaml', import.meta.url));
let pg: PostgresServer;
let db: SqlClient;

const web = { application: 'shop/web', product: 'shop/pets-access' };
const batch = { application: 'shop/batch', product: 'shop/pets-access' };

beforeAll(async () => {
  pg = await startPostgresServer();
  db = await connectPostgres(pg.url);
  await migrate(db);
  // shop/web: bronze until it moves to gold on the 11th (a few bronze calls that morning); refused calls are never billed.
  // shop/batch: gold all month.
  await sqlUsageWriter(db, 'gw-1', 'a').write([
    usageRow('2026-11-02T09:00:00Z', { ...web, plan: 'bronze', requests: 1200 }),
    usageRow('2026-11-02T09:01:00Z', { ...web, plan: 'bronze', requests: 50, billable: 0, refused: 50, statusClass: '4xx' }),
    usageRow('2026-11-09T12:00:00Z', { ...web, plan: 'bronze', requests: 1500 }),
    usageRow('2026-11-11T08:00:00Z', { ...web, plan: 'bronze', requests: 100 }),
    usageRow('2026-11-11T10:00:00Z', { ...web, plan: 'gold', requests: 6000 }),
    usageRow('2026-11-15T10:00:00Z', { ...batch, plan: 'gold', requests: 12000 }),
  ]);
  // Another replica, and days outside November that must not count.
  await sqlUsageWriter(db, 'gw-2', 'b').write([
    usageRow('2026-11-20T23:59:00Z', { ...web, plan: 'gold', requests: 5000 }),
    usageRow('2026-11-30T23:59:00Z', { ...web, plan: 'gold', requests: 1000 }),
    usageRow('2026-11-15T11:00:00Z', { ...batch, plan: 'gold', requests: 8000 }),
    usageRow('2026-10-31T23:59:00Z', { ...web, plan: 'bronze', requests: 7777 }),
    usageRow('2026-12-01T00:00:00Z', { ...web, plan: 'gold', requests: 8888 }),
  ]);
});
afterAll(async () => {
  await db?.close();
  await pg?.close();
});

// Worked by hand (November has 30 days; fees and included calls prorated by days in force):
// shop/web  bronze: days 1-10 (the 1st has no calls: it takes the first day's plan) -> 10/30
//             fee 30 x 10/30 = 10.00; included floor(1000 x 10/30) = 333; billable 1200+1500+100 = 2800
//             charged 2467: 1000 x 2/1000 = 2.00, 1467 x 1.5/1000 = 2.2005 -> 4.2005 -> 4.20; total 14.20
//           gold: days 11-30 (the 11th has more gold than bronze calls) -> 20/30
//             fee 90 x 20/30 = 60.00; included floor(10000 x 20/30) = 6666; billable 6000+5000+1000 = 12000
//             charged 5334 x 0.8/1000 = 4.2672 -> 4.27; total 64.27            owner total 78.47
// shop/batch gold: all 30 days: fee 90.00; included 10000; billable 20000; charged 10000 x 0.8/1000 = 8.00; total 98.00
const EXPECTED = {
  month: '2026-11',
  owners: [
    {
      owner: 'dev@example.com',
      totals: { EUR: 7847 },
      lines: [
        {
          application: 'shop/web',
          product: 'shop/pets-access',
          plan: 'bronze',
          currency: 'EUR',
          days: 10,
          daysInMonth: 30,
          feeCents: 1000,
          includedCalls: 333,
          billableCalls: 2800,
          chargedCalls: 2467,
          usageCents: 420,
          totalCents: 1420,
        },
        {
          application: 'shop/web',
          product: 'shop/pets-access',
          plan: 'gold',
          currency: 'EUR',
          days: 20,
          daysInMonth: 30,
          feeCents: 6000,
          includedCalls: 6666,
          billableCalls: 12000,
          chargedCalls: 5334,
          usageCents: 427,
          totalCents: 6427,
        },
      ],
    },
    {
      owner: 'ops@example.com',
      totals: { EUR: 9800 },
      lines: [
        {
          application: 'shop/batch',
          product: 'shop/pets-access',
          plan: 'gold',
          currency: 'EUR',
          days: 30,
          daysInMonth: 30,
          feeCents: 9000,
          includedCalls: 10000,
          billableCalls: 20000,
          chargedCalls: 10000,
          usageCents: 800,
          totalCents: 9800,
        },
      ],
    },
  ],
};

/** Grafana's PostgreSQL macros as it expands them, over November 2026. */
function grafanaMacros(sql: string): string {
  return sql
    .replace(/\$__timeFilter\((\w+)\)/g, "$1 BETWEEN '2026-11-01T00:00:00Z' AND '2026-12-01T00:00:00Z'")
    .replace(/\$__timeGroupAlias\((\w+), 1d\)/g, 'floor(extract(epoch from $1)/86400)*86400 AS "time"');
}

describe('tollgate usage invoice', () => {
  it('matches the hand-computed invoice for a month with two plans and a plan change, and gives it again unchanged', async () => {
    const args = ['usage', 'invoice', '--month', '2026-11', '--resources', estate, '--database', pg.url, '-o', 'json'];
    const first = await tollgate(args);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual(EXPECTED);
    const again = await tollgate(args);
    expect(again.stdout).toBe(first.stdout);
  });

  it('prints a table with amounts in the currency', async () => {
    const out = await tollgate(['usage', 'invoice', '--month', '2026-11', '--resources', estate, '--database', pg.url]);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^OWNER\s+APPLICATION\s+PRODUCT\s+PLAN\s+DAYS/);
    expect(lines[1]).toMatch(/^dev@example\.com\s+shop\/web\s+shop\/pets-access\s+bronze\s+10\s+2800\s+333\s+2467\s+EUR\s+10\.00\s+4\.20\s+14\.20$/);
    expect(lines).toHaveLength(4);
  });

  it('reports per owner and per month from the same ledger', async () => {
    const out = await tollgate(['usage', '--month', '2026-11', '--resources', estate, '--database', pg.url, '--group-by', 'owner,month', '-o', 'csv']);
    expect(out.stdout.split('\r\n').slice(0, 3)).toEqual([
      'owner,month,requests,billable,refused,bytes_in,bytes_out,latency_ms',
      'dev@example.com,2026-11,14850,14800,50,0,0,5',
      'ops@example.com,2026-11,20000,20000,0,0,0,5',
    ]);
    const owner = await tollgate(['usage', '--month', '2026-11', '--resources', estate, '--database', pg.url, '--owner', 'ops@example.com', '-o', 'json']);
    expect(JSON.parse(owner.stdout)).toEqual([{ requests: 20000, billable: 20000, refused: 0, bytes_in: 0, bytes_out: 0, latency_ms: 5 }]);
  });

  it('saves the month (again: the same lines), and every query of the business dashboard reads the store', async () => {
    const save = ['usage', 'invoice', '--month', '2026-11', '--resources', estate, '--database', pg.url, '--save', '-o', 'json'];
    expect((await tollgate(save)).code).toBe(0);
    expect((await tollgate(save)).code).toBe(0);
    const saved = await db.query<{ owner: string; total: number }>(
      'SELECT owner, sum(total_cents)::int AS total FROM usage_invoice_line GROUP BY owner ORDER BY owner',
    );
    expect(saved.rows).toEqual([
      { owner: 'dev@example.com', total: 7847 },
      { owner: 'ops@example.com', total: 9800 },
    ]);
    const dashboard = JSON.parse(readFileSync(new URL('../../config/monitoring/tollgate-business.dashboard.json', import.meta.url), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ rawSql: string }> }>;
    };
    const queries = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, sql: grafanaMacros(t.rawSql) })));
    expect(queries.length).toBe(6);
    for (const q of queries) {
      const { rows } = await db.query(q.sql);
      expect(rows.length, q.title).toBeGreaterThan(0);
    }
  });

  it('refuses a malformed month with a clear error', async () => {
    const out = await tollgate(['usage', 'invoice', '--month', '2026-13', '--database', pg.url]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('--month "2026-13": give YYYY-MM');
  });

  it('says what is wrong with the store in one line, without the password', async () => {
    const unreachable = await tollgate(['usage', '--database', 'postgres://tollgate:s3cret@127.0.0.1:1/tollgate']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('error [usage-store-unreachable]: cannot reach the usage store at 127.0.0.1:1 (ECONNREFUSED)\n');
    await db.query('CREATE DATABASE empty_ledger');
    const empty = await tollgate(['usage', 'invoice', '--month', '2026-11', '--database', pg.url.replace(/\/tollgate$/, '/empty_ledger')]);
    expect(empty.stderr).toBe('error [usage-store-empty]: the usage store has no usage tables yet: run `tollgate usage migrate` with the same --database\n');
    const gateway = await tollgate(['gateway', '--snapshot', 'x.json', '--usage-database', 'pglite:/tmp/x']);
    expect(gateway.code).not.toBe(0);
    expect(gateway.stderr).toContain("option '--usage-database <url>' argument 'pglite:/tmp/x' is invalid. give a postgres:// URL");
  });
});
