import { LATENCY_COLUMNS } from '../gateway/usage/usage-cell.ts';
import type { SqlClient } from '../gateway/usage/sql-client.ts';

const KEYS = 'application, credential, product, plan, api, operation, environment, status_class, tool, model';
const SUMS = ['requests', 'billable', 'refused', 'bytes_in', 'bytes_out', 'latency_ms_sum', ...LATENCY_COLUMNS, 'prompt_tokens', 'completion_tokens'];
const DAY_MS = 86_400_000;

/**
 * How long each level is kept. Minute rows serve the last week's detail and feed the
 * roll-ups (late writes from a replica's retry buffer land within minutes); hours serve
 * the last quarter's charts; days serve invoices and reports for two years and a bit.
 */
export const RETENTION = { minuteDays: 7, hourDays: 92, dayDays: 800 } as const;

export interface Period {
  /** Inclusive, epoch ms. */
  from: number;
  /** Exclusive, epoch ms. */
  to: number;
}

function rollupSql(target: 'usage_hour' | 'usage_day', source: 'usage_minute' | 'usage_hour', unit: 'hour' | 'day'): string {
  // Totals are recomputed from the finer level and overwrite: rolling up twice, or again
  // after late minute rows arrive, gives the same rows. Days are UTC days.
  return `INSERT INTO ${target} (window_start, ${KEYS}, ${SUMS.join(', ')})
    SELECT date_trunc('${unit}', window_start AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', ${KEYS}, ${SUMS.map((c) => `sum(${c})`).join(', ')}
    FROM ${source} WHERE window_start >= $1 AND window_start < $2
    GROUP BY 1, ${KEYS}
    ON CONFLICT (window_start, ${KEYS}) DO UPDATE SET ${SUMS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
}

/**
 * Rolls minute rows up into hours, and hours into days, over the period (widened to whole
 * hours and days). Only windows that still have finer rows are recomputed, so a period
 * older than the minute retention keeps the hours it has.
 */
export async function rollUp(db: SqlClient, period: Period): Promise<void> {
  const dayFrom = new Date(Math.floor(period.from / DAY_MS) * DAY_MS).toISOString();
  const dayTo = new Date(Math.ceil(period.to / DAY_MS) * DAY_MS).toISOString();
  // Hours over whole days, so that each day sums hours that are all current.
  await db.query(rollupSql('usage_hour', 'usage_minute', 'hour'), [dayFrom, dayTo]);
  await db.query(rollupSql('usage_day', 'usage_hour', 'day'), [dayFrom, dayTo]);
}

/** Deletes rows past each level's retention; returns how many went per level. */
export async function applyRetention(db: SqlClient, now: number, retention = RETENTION): Promise<Record<'minute' | 'hour' | 'day', number>> {
  const out = { minute: 0, hour: 0, day: 0 };
  for (const [level, days] of [
    ['minute', retention.minuteDays],
    ['hour', retention.hourDays],
    ['day', retention.dayDays],
  ] as const) {
    const before = new Date(now - days * DAY_MS).toISOString();
    const result = await db.query<{ n: number }>(
      `WITH gone AS (DELETE FROM usage_${level} WHERE window_start < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [before],
    );
    out[level] = Number(result.rows[0]?.n ?? 0);
  }
  return out;
}
