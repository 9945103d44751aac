import { LATENCY_COLUMNS } from '../gateway/usage/usage-cell.ts';
import type { SqlClient } from '../gateway/usage/sql-client.ts';

const KEY = `application text NOT NULL, credential text NOT NULL, product text NOT NULL, plan text NOT NULL,
  api text NOT NULL, operation text NOT NULL, environment text NOT NULL, status_class text NOT NULL`;
const TOTALS = `requests bigint NOT NULL, billable bigint NOT NULL, refused bigint NOT NULL,
  bytes_in bigint NOT NULL, bytes_out bigint NOT NULL, latency_ms_sum double precision NOT NULL,
  ${LATENCY_COLUMNS.map((c) => `${c} bigint NOT NULL`).join(', ')}`;
const KEY_NAMES = 'application, credential, product, plan, api, operation, environment, status_class';

/**
 * The usage store's schema, in order; each runs once, in a transaction, recorded in
 * usage_schema_migrations. Plain PostgreSQL, so the same SQL runs on a server and on PGlite.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'minute, hour and day ledgers',
    sql: `
CREATE TABLE usage_minute (
  replica text NOT NULL, incarnation text NOT NULL, window_start timestamptz NOT NULL,
  ${KEY}, ${TOTALS},
  PRIMARY KEY (replica, incarnation, window_start, ${KEY_NAMES})
);
CREATE INDEX usage_minute_window ON usage_minute (window_start);
CREATE TABLE usage_hour (
  window_start timestamptz NOT NULL, ${KEY}, ${TOTALS},
  PRIMARY KEY (window_start, ${KEY_NAMES})
);
CREATE TABLE usage_day (
  window_start timestamptz NOT NULL, ${KEY}, ${TOTALS},
  PRIMARY KEY (window_start, ${KEY_NAMES})
);`,
  },
  {
    version: 2,
    name: 'saved invoice lines',
    sql: `
CREATE TABLE usage_invoice_line (
  month text NOT NULL, owner text NOT NULL, application text NOT NULL, product text NOT NULL, plan text NOT NULL,
  currency text NOT NULL, days integer NOT NULL, days_in_month integer NOT NULL,
  billable_calls bigint NOT NULL, included_calls bigint NOT NULL, charged_calls bigint NOT NULL,
  fee_cents bigint NOT NULL, usage_cents bigint NOT NULL, total_cents bigint NOT NULL,
  PRIMARY KEY (month, application, product, plan)
);`,
  },
  {
    version: 3,
    name: 'MCP tool, LLM model and tokens (issue 19)',
    sql: ['usage_minute', 'usage_hour', 'usage_day']
      .map(
        (table) => `
ALTER TABLE ${table} ADD COLUMN tool text NOT NULL DEFAULT '', ADD COLUMN model text NOT NULL DEFAULT '',
  ADD COLUMN prompt_tokens bigint NOT NULL DEFAULT 0, ADD COLUMN completion_tokens bigint NOT NULL DEFAULT 0;
ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey;
ALTER TABLE ${table} ADD PRIMARY KEY (${table === 'usage_minute' ? 'replica, incarnation, ' : ''}window_start, ${KEY_NAMES}, tool, model)`,
      )
      .join(';'),
  },
];

/** Applies the migrations not yet applied; returns the versions it applied. Safe to run from several places at once. */
export async function migrate(db: SqlClient): Promise<number[]> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS usage_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    await db.query('BEGIN');
    try {
      // One migrator at a time: a second waits here, then sees the version applied.
      await db.query('LOCK TABLE usage_schema_migrations IN EXCLUSIVE MODE');
      const done = await db.query('SELECT 1 FROM usage_schema_migrations WHERE version = $1', [migration.version]);
      if (done.rows.length === 0) {
        for (const statement of migration.sql
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean))
          await db.query(statement);
        await db.query('INSERT INTO usage_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        applied.push(migration.version);
      }
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK');
      throw err;
    }
  }
  return applied;
}
