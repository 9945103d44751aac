import { mkdirSync } from 'node:fs';
import { connectPostgres, type SqlClient } from '../gateway/usage/sql-client.ts';

/**
 * The usage store named by a URL: `postgres://` / `postgresql://` is a PostgreSQL server
 * (node-postgres); `pglite:DIR` (or `pglite:memory`) is PGlite, PostgreSQL compiled to
 * WebAssembly in this process, the embedded default for `tollgate dev`. One SQL dialect.
 */
export async function openUsageDatabase(url: string): Promise<SqlClient> {
  if (/^postgres(ql)?:\/\//.test(url)) {
    // BEGIN ... COMMIT must run on one connection: the pool has one.
    return connectPostgres(url, { max: 1, statementTimeoutMs: 60_000 });
  }
  if (url.startsWith('pglite:')) return openPglite(url.slice('pglite:'.length));
  throw new UsageStoreError('usage-store-url', `usage store URL ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}: give postgres://... or pglite:DIR`);
}

async function openPglite(dir: string): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir !== 'memory') mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir === 'memory' ? undefined : dir);
  // PGlite is one connection: statements from concurrent callers are queued, transactions included.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query: <R>(text: string, params?: unknown[]) => {
      const run = queue.then(async () => {
        const result = await db.query<R>(text, params);
        return { rows: result.rows.map((row) => numbersOf<R>(row)) };
      });
      queue = run.catch(() => {});
      return run;
    },
    close: async () => {
      await queue;
      await db.close();
    },
  };
}

/** bigint columns come back from PGlite as BigInt; usage counts fit in a double. */
function numbersOf<R>(row: R): R {
  const out = { ...(row as Record<string, unknown>) };
  for (const [k, v] of Object.entries(out)) if (typeof v === 'bigint') out[k] = Number(v);
  return out as R;
}

export class UsageStoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
