import type { SqlClient } from './sql-client.ts';
import { LATENCY_COLUMNS, type UsageRow } from './usage-cell.ts';

export interface UsageWriter {
  write(rows: readonly UsageRow[]): Promise<void>;
  close(): Promise<void>;
}

/** The columns of usage_minute that identify a row (the rest are totals). */
export const KEY_COLUMNS = ['application', 'credential', 'product', 'plan', 'api', 'operation', 'environment', 'status_class', 'tool', 'model'] as const;
export const TOTAL_COLUMNS = [
  'requests',
  'billable',
  'refused',
  'bytes_in',
  'bytes_out',
  'latency_ms_sum',
  ...LATENCY_COLUMNS,
  'prompt_tokens',
  'completion_tokens',
] as const;
const COLUMNS = ['replica', 'incarnation', 'window_start', ...KEY_COLUMNS, ...TOTAL_COLUMNS];
/** Rows per statement: 500 x 26 parameters stays far below PostgreSQL's 65,535. */
const BATCH = 500;

const UPSERT_TAIL =
  ` ON CONFLICT (replica, incarnation, window_start, ${KEY_COLUMNS.join(', ')}) DO UPDATE SET ` +
  TOTAL_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ') +
  // Totals only grow: an older write arriving late never replaces a newer one.
  ' WHERE usage_minute.requests <= EXCLUDED.requests';

function values(row: UsageRow, replica: string, incarnation: string): unknown[] {
  return [
    replica,
    incarnation,
    new Date(row.windowStart).toISOString(),
    row.application,
    row.credential,
    row.product,
    row.plan,
    row.api,
    row.operation,
    row.environment,
    row.statusClass,
    row.tool,
    row.model,
    row.requests,
    row.billable,
    row.refused,
    row.bytesIn,
    row.bytesOut,
    row.latencyMsSum,
    ...row.latency,
    row.promptTokens,
    row.completionTokens,
  ];
}

/**
 * Writes a replica's cumulative minute rows, idempotently per (replica, incarnation,
 * window, key): the incarnation is this process's, so a restarted replica of the same
 * name adds to, rather than overwrites, what its previous process wrote.
 */
export function sqlUsageWriter(client: SqlClient, replica: string, incarnation: string): UsageWriter {
  return {
    async write(rows) {
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = rows.slice(i, i + BATCH);
        const params: unknown[] = [];
        const tuples = batch.map((row) => {
          const base = params.length;
          params.push(...values(row, replica, incarnation));
          return `(${COLUMNS.map((_, j) => `$${base + j + 1}`).join(', ')})`;
        });
        await client.query(`INSERT INTO usage_minute (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}${UPSERT_TAIL}`, params);
      }
    },
    close: () => client.close(),
  };
}

/**
 * A writer that opens its store on the first write (PGlite takes a second or two of CPU):
 * the gateway starts and serves without waiting, and a store that fails to open fails
 * that write, which is retried like any other (the next write tries to open it again).
 */
export function lazyWriter(open: () => Promise<UsageWriter>): UsageWriter & { prepare(): void } {
  let opening: Promise<UsageWriter> | undefined;
  let closed = false;
  const writer = () => {
    if (closed) return Promise.reject(new Error('the usage writer is closed'));
    opening ??= open().catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    return opening;
  };
  return {
    write: async (rows) => (await writer()).write(rows),
    // Open ahead of the first write, e.g. once the gateway serves, so that a quick stop need not wait for it.
    prepare: () => void writer().catch(() => {}),
    close: async () => {
      closed = true;
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
}
