import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/** Directories this process has open: a second PGlite on one of them would corrupt it as surely as another process's. */
const openHere = new Set<string>();

/** PGlite takes one process at a time: a second one opening the same directory would corrupt it. */
function lockPglite(dir: string): () => void {
  const lock = join(dir, 'tollgate.lock');
  const key = resolve(dir);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lock, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (openHere.has(key) || (holder && holder !== process.pid && alive(holder))) {
    throw new UsageStoreError(
      'usage-store-busy',
      `the usage store in ${dir} is open in another process (pid ${holder ?? process.pid}, e.g. tollgate dev); PGlite serves one process at a time: stop it first, or use a PostgreSQL server (postgres://...)`,
    );
  }
  writeFileSync(lock, `${process.pid}\n`);
  openHere.add(key);
  return () => {
    openHere.delete(key);
    rmSync(lock, { force: true });
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(dir: string): Promise<SqlClient> {
  const { PGlite } = await import('@electric-sql/pglite').catch((err: unknown) => {
    // The container image leaves PGlite out (16 MB; in a cluster the store is PostgreSQL).
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new UsageStoreError('usage-store-no-pglite', `pglite:${dir}: PGlite is not installed here (the container image leaves it out); give postgres://...`, {
      cause: err,
    });
  });
  if (dir !== 'memory') mkdirSync(dir, { recursive: true });
  const unlock = dir === 'memory' ? () => {} : lockPglite(dir);
  const db = await PGlite.create(dir === 'memory' ? undefined : dir).catch((err: unknown) => {
    unlock();
    throw new UsageStoreError('usage-store-open', `could not open the PGlite usage store in ${dir}`, { cause: err });
  });
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
      unlock();
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
