import { freePort, startServerProcess } from './server-process.ts';
import { stopChild } from './stop-child.ts';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real PostgreSQL server for tests: Debian's postgresql 15 binaries, `initdb` into its
 * own temp dir, `postgres` on a free port of 127.0.0.1 with trust authentication.
 *
 *   const pg = await startPostgresServer();   // beforeAll
 *   pg.url                                     // postgres://tollgate@127.0.0.1:PORT/tollgate
 *   await pg.close();                          // afterAll: stop and remove the dir
 *
 * Fails (never skips) when the binaries are missing: CI installs them from Debian.
 * initdb refuses to run as root, so as root the server runs as the `postgres` user.
 */
export interface PostgresServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stop the server (the data stays); `start` brings it back on the same port. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export const POSTGRES_BIN = process.env.TOLLGATE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export function assertPostgresInstalled(bin = POSTGRES_BIN): void {
  if (!existsSync(join(bin, 'initdb')) || !existsSync(join(bin, 'postgres'))) {
    throw new Error(
      `PostgreSQL is not installed at ${bin}, and the usage tests need a real one. ` +
        'Install it with `apt-get update && apt-get install -y postgresql` (as .ci/run does), or set TOLLGATE_PG_BIN.',
    );
  }
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const probe = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('running as root and there is no `postgres` user to run initdb as');
  return { uid: Number(probe.stdout.trim()), gid: Number(group.stdout.trim()) };
}

async function accepting(bin: string, port: number): Promise<boolean> {
  const probe = spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-d', 'tollgate', '-U', 'tollgate'], { encoding: 'utf8' });
  return probe.status === 0;
}

export { freePort };

export async function startPostgresServer(options: { bin?: string; startTimeoutMs?: number } = {}): Promise<PostgresServer> {
  const bin = options.bin ?? POSTGRES_BIN;
  assertPostgresInstalled(bin);
  const user = runAs();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `tollgate-pg-${port}-`));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'tollgate', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    encoding: 'utf8',
    ...user,
  });
  if (init.status !== 0) throw new Error(`initdb failed in ${data}:\n${init.stdout}\n${init.stderr}`);
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F', '-c', 'fsync=off', '-c', 'full_page_writes=off'];
    child = await startServerProcess({
      name: `postgres on port ${port}`,
      command: join(bin, 'postgres'),
      args,
      options: user,
      ready: () => accepting(bin, port),
      timeoutMs: options.startTimeoutMs ?? 20_000,
      pollMs: 50,
      onExit: (proc) => {
        if (child === proc) child = undefined;
      },
    });
    const created = spawnSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'tollgate', 'tollgate'], { encoding: 'utf8' });
    if (created.status !== 0 && !created.stderr.includes('already exists')) throw new Error(`createdb failed: ${created.stderr}`);
  };

  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    const proc = child;
    if (!proc) return;
    // SIGINT is PostgreSQL's fast shutdown: connections are cut, the server stops at once.
    await stopChild(proc, signal);
  };

  await start();
  return {
    port,
    url: `postgres://tollgate@127.0.0.1:${port}/tollgate`,
    dir,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
