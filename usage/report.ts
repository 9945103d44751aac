import type { SqlClient } from '../gateway/usage/sql-client.ts';
import type { Catalog } from './catalog.ts';
import { rollUp, type Period } from './rollup.ts';

/** What a report can group by; `owner` comes from the catalog, the rest from the ledger. */
export const GROUPS = [
  'month',
  'day',
  'hour',
  'namespace',
  'owner',
  'application',
  'credential',
  'product',
  'plan',
  'api',
  'operation',
  'environment',
  'status_class',
] as const;
export type Group = (typeof GROUPS)[number];

export interface ReportFilters {
  application?: string;
  owner?: string;
  product?: string;
  plan?: string;
  api?: string;
  namespace?: string;
  environment?: string;
}

export interface ReportQuery {
  period: Period;
  groupBy: Group[];
  filters: ReportFilters;
}

export interface ReportRow {
  group: Partial<Record<Group, string>>;
  requests: number;
  billable: number;
  refused: number;
  bytesIn: number;
  bytesOut: number;
  /** Mean latency at the gateway, ms. */
  latencyMs: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const SQL_GROUP: Record<Exclude<Group, 'owner'>, string> = {
  month: `to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM')`,
  day: `to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  hour: `to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00Z"')`,
  namespace: `split_part(application, '/', 1)`,
  application: 'application',
  credential: 'credential',
  product: 'product',
  plan: 'plan',
  api: 'api',
  operation: 'operation',
  environment: 'environment',
  status_class: 'status_class',
};

/** The coarsest level whose windows tile the period: days, else hours, else minutes. */
export function levelFor(period: Period, groupBy: readonly Group[]): 'usage_day' | 'usage_hour' | 'usage_minute' {
  const aligned = (unit: number) => period.from % unit === 0 && period.to % unit === 0;
  if (aligned(DAY_MS) && !groupBy.includes('hour')) return 'usage_day';
  if (aligned(HOUR_MS)) return 'usage_hour';
  return 'usage_minute';
}

function where(query: ReportQuery, catalog: Catalog, params: unknown[]): string {
  params.push(new Date(query.period.from).toISOString(), new Date(query.period.to).toISOString());
  const clauses = ['window_start >= $1', 'window_start < $2'];
  const f = query.filters;
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    clauses.push(`${column} = $${params.length}`);
  };
  equal('application', f.application);
  equal('product', f.product);
  equal('plan', f.plan);
  equal('api', f.api);
  equal('environment', f.environment);
  equal(`split_part(application, '/', 1)`, f.namespace);
  if (f.owner !== undefined) {
    const owner = f.owner.toLowerCase();
    params.push([...catalog.owners].filter(([, o]) => o === owner).map(([app]) => app));
    clauses.push(`application = ANY($${params.length})`);
  }
  return clauses.join(' AND ');
}

/**
 * Usage over a period, filtered and grouped. The period is rolled up first, then read
 * from the coarsest level that tiles it, so the numbers are the minute rows' sums exactly.
 */
export async function usageReport(db: SqlClient, query: ReportQuery, catalog: Catalog): Promise<ReportRow[]> {
  await rollUp(db, query.period);
  const table = levelFor(query.period, query.groupBy);
  // Owner is resolved here from the application, so the database groups by application for it.
  const sqlGroups = [...new Set(query.groupBy.map((g) => (g === 'owner' ? 'application' : g)))] as Array<Exclude<Group, 'owner'>>;
  const params: unknown[] = [];
  const select = sqlGroups.map((g) => `${SQL_GROUP[g]} AS ${g}`);
  const sql = `SELECT ${[...select, 'sum(requests) AS requests', 'sum(billable) AS billable', 'sum(refused) AS refused', 'sum(bytes_in) AS bytes_in', 'sum(bytes_out) AS bytes_out', 'sum(latency_ms_sum) AS latency_ms_sum'].join(', ')}
    FROM ${table} WHERE ${where(query, catalog, params)}
    ${sqlGroups.length ? `GROUP BY ${sqlGroups.map((_, i) => i + 1).join(', ')}` : ''}`;
  const { rows } = await db.query<Record<string, string | number>>(sql, params);
  const merged = new Map<string, ReportRow & { latencySum: number }>();
  for (const row of rows) {
    const group: Partial<Record<Group, string>> = {};
    for (const g of query.groupBy) group[g] = g === 'owner' ? (catalog.owners.get(String(row.application)) ?? '') : String(row[g] ?? '');
    const key = JSON.stringify(query.groupBy.map((g) => group[g]));
    const into = merged.get(key) ?? { group, requests: 0, billable: 0, refused: 0, bytesIn: 0, bytesOut: 0, latencyMs: 0, latencySum: 0 };
    into.requests += Number(row.requests ?? 0);
    into.billable += Number(row.billable ?? 0);
    into.refused += Number(row.refused ?? 0);
    into.bytesIn += Number(row.bytes_in ?? 0);
    into.bytesOut += Number(row.bytes_out ?? 0);
    into.latencySum += Number(row.latency_ms_sum ?? 0);
    merged.set(key, into);
  }
  const out = [...merged.entries()]
    .filter(([, r]) => r.requests > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { latencySum, ...r }]) => ({ ...r, latencyMs: r.requests ? Math.round((latencySum / r.requests) * 100) / 100 : 0 }));
  return out;
}
