import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

/** Every server process a test file started, killed when the test process exits however it ends. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port on 127.0.0.1 that was free a moment ago. */
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

export interface ServerProcessSpec {
  /** Names the server in errors, e.g. `redis-server on port 6390`. */
  name: string;
  command: string;
  args: readonly string[];
  options?: SpawnOptions;
  /** True once the server takes requests. */
  ready(): Promise<boolean>;
  timeoutMs: number;
  pollMs: number;
  /** Told when the process exits, whenever that is. */
  onExit?(proc: ChildProcess): void;
}

/**
 * Starts a test's server and waits until `ready`; its last 4000 characters of output go
 * into the error when it exits first or is not ready in time (then it is killed).
 */
export async function startServerProcess(spec: ServerProcessSpec): Promise<ChildProcess> {
  const proc = spawn(spec.command, spec.args, { ...spec.options, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(proc);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
    running.delete(proc);
    spec.onExit?.(proc);
  });
  const deadline = Date.now() + spec.timeoutMs;
  while (!(await spec.ready())) {
    if (exited) throw new Error(`${spec.name} exited while starting:\n${output}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${spec.name} was not ready within ${spec.timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, spec.pollMs));
  }
  return proc;
}
