/** The little the usage code needs from a database: node-postgres' Pool and PGlite both fit. */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  close(): Promise<void>;
}

/**
 * A node-postgres pool for a `postgres://` URL, loaded on first use so that a gateway
 * without a usage store never loads pg. Connection and statement timeouts are bounded:
 * a store that hangs must not hold a flush (or a shutdown) for long.
 */
export async function connectPostgres(url: string, options: { statementTimeoutMs?: number; max?: number } = {}): Promise<SqlClient> {
  const { default: pg } = await import('pg');
  // bigint sums come back as strings by default; usage counts fit in a double.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  pg.types.setTypeParser(1700, (v: string) => Number(v));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 2,
    connectionTimeoutMillis: 5_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    query_timeout: (options.statementTimeoutMs ?? 10_000) + 1_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return {
    query: async <R>(text: string, params?: unknown[]) => {
      const result = await pool.query(text, params);
      return { rows: result.rows as R[] };
    },
    close: () => pool.end(),
  };
}
