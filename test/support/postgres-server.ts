import { stopChild } from './stop-child.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

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

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

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
  let output = '';

  const start = async () => {
    const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-F', '-c', 'fsync=off', '-c', 'full_page_writes=off'];
    const proc = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...user });
    child = proc;
    running.add(proc);
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      running.delete(proc);
      if (child === proc) child = undefined;
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
    while (!(await accepting(bin, port))) {
      if (exited) throw new Error(`postgres exited while starting on port ${port}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections on port ${port}:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
