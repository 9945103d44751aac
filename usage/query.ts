import type { SqlClient } from '../gateway/usage/sql-client.ts';
import { rollUp } from './rollup.ts';

/** What the portal asks for: one application's usage over a period, in steps. */
export interface UsageHistoryQuery {
  namespace: string;
  /** The Application's name (within `namespace`). */
  application: string;
  /** Epoch ms or an ISO 8601 time; rounded down to the step. */
  from: number | string;
  /** Exclusive; rounded up to the step. */
  to: number | string;
  step: 'minute' | 'hour' | 'day';
}

export interface UsagePoint {
  /** Start of the step, ISO 8601 UTC. */
  t: string;
  requests: number;
  billable: number;
  refused: number;
}

/** The JSON the portal's usage chart draws: one point per step (zeros included), totals, and the split per product and plan. */
export interface UsageHistory {
  application: string;
  from: string;
  to: string;
  step: UsageHistoryQuery['step'];
  points: UsagePoint[];
  totals: { requests: number; billable: number; refused: number };
  products: Array<{ product: string; plan: string; requests: number; billable: number; refused: number }>;
}

const STEP_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
/** More points than a chart can show is a mistake in the query, not a reason to read a million rows. */
export const MAX_POINTS = 2_000;

export class UsageQueryError extends Error {
  readonly code = 'usage-query-invalid';
}

function instant(value: number | string, field: string): number {
  const t = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(t)) throw new UsageQueryError(`${field}: ${JSON.stringify(value)} is not a time`);
  return t;
}

/**
 * One application's usage history for the portal, from the usage store. Pure SQL over
 * the ledger: the same store and query give the same JSON.
 */
export async function usageHistory(db: SqlClient, query: UsageHistoryQuery): Promise<UsageHistory> {
  const stepMs = STEP_MS[query.step];
  if (!stepMs) throw new UsageQueryError(`step: ${JSON.stringify(query.step)} is not minute, hour or day`);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(query.namespace) || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(query.application)) {
    throw new UsageQueryError(`application: ${JSON.stringify(`${query.namespace}/${query.application}`)} is not a namespace/name`);
  }
  const from = Math.floor(instant(query.from, 'from') / stepMs) * stepMs;
  const to = Math.ceil(instant(query.to, 'to') / stepMs) * stepMs;
  if (to <= from) throw new UsageQueryError('to: must be after from');
  if ((to - from) / stepMs > MAX_POINTS) throw new UsageQueryError(`the period holds more than ${MAX_POINTS} ${query.step}s: take a longer step`);
  const application = `${query.namespace}/${query.application}`;
  if (query.step !== 'minute') await rollUp(db, { from, to });
  const table = `usage_${query.step}`;
  const params = [application, new Date(from).toISOString(), new Date(to).toISOString()];
  const filter = `application = $1 AND window_start >= $2 AND window_start < $3`;
  const [series, split] = await Promise.all([
    db.query<{ t: Date | string; requests: number; billable: number; refused: number }>(
      `SELECT window_start AS t, sum(requests)::bigint AS requests, sum(billable)::bigint AS billable, sum(refused)::bigint AS refused FROM ${table} WHERE ${filter} GROUP BY 1`,
      params,
    ),
    db.query<{ product: string; plan: string; requests: number; billable: number; refused: number }>(
      `SELECT product, plan, sum(requests)::bigint AS requests, sum(billable)::bigint AS billable, sum(refused)::bigint AS refused FROM ${table} WHERE ${filter} GROUP BY 1, 2 ORDER BY 1, 2`,
      params,
    ),
  ]);
  const byTime = new Map(series.rows.map((r) => [new Date(r.t).getTime(), r]));
  const points: UsagePoint[] = [];
  for (let t = from; t < to; t += stepMs) {
    const r = byTime.get(t);
    points.push({ t: new Date(t).toISOString(), requests: Number(r?.requests ?? 0), billable: Number(r?.billable ?? 0), refused: Number(r?.refused ?? 0) });
  }
  const totals = points.reduce((a, p) => ({ requests: a.requests + p.requests, billable: a.billable + p.billable, refused: a.refused + p.refused }), {
    requests: 0,
    billable: 0,
    refused: 0,
  });
  return {
    application,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    step: query.step,
    points,
    totals,
    products: split.rows.map((r) => ({
      product: r.product,
      plan: r.plan,
      requests: Number(r.requests),
      billable: Number(r.billable),
      refused: Number(r.refused),
    })),
  };
}
