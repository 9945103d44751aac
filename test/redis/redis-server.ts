import { freePort, startServerProcess } from '../support/server-process.ts';
import { stopChild } from '../support/stop-child.ts';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real `redis-server` on 127.0.0.1 for tests: no persistence, its own temp dir, a free
 * port that stays the same across stop/start so fault tests can take Redis away and bring
 * it back under the clients' feet.
 *
 *   const redis = await startRedisServer();   // beforeAll
 *   await redis.stop();  await redis.start();  // Redis goes away, comes back (empty)
 *   redis.pause(); redis.resume();             // SIGSTOP/SIGCONT: Redis hangs instead
 *   await redis.close();                       // afterAll: stop and remove the dir
 *
 * Fails (never skips) when redis-server is missing: CI installs it from Debian.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** Reuse a port, e.g. one picked by `freePort` for a cluster. */
  port?: number;
  /** The server binary; default `redis-server` on PATH. */
  command?: string;
  /** How long to wait for PING to answer; default 10 s. */
  startTimeoutMs?: number;
}

export function assertRedisServerInstalled(command = 'redis-server'): void {
  const probe = spawnSync(command, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${command} is not installed, and the Redis tests need a real one. ` +
        'Install it with `apt-get update && apt-get install -y redis-server` (as .ci/run does).',
    );
  }
}

export { freePort };

/** One PING over a raw socket: true when `+PONG` comes back within `timeoutMs`. */
export async function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
    socket.once('error', () => finish(false));
  });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const command = options.command ?? 'redis-server';
  assertRedisServerInstalled(command);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), `tollgate-redis-${port}-`));
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  const start = async () => {
    if (child) throw new Error(`redis-server on port ${port} is already running`);
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])];
    child = await startServerProcess({
      name: `redis-server on port ${port}`,
      command,
      args,
      options: { cwd: dir },
      ready: () => ping(port, 200),
      timeoutMs: startTimeoutMs,
      pollMs: 25,
      onExit: (proc) => {
        if (child === proc) child = undefined;
      },
    });
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    const proc = child;
    if (!proc) return;
    // A paused process does not act on SIGTERM until it runs again.
    proc.kill('SIGCONT');
    await stopChild(proc, signal);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start,
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
