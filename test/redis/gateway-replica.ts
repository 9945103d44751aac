import { stopChild } from '../support/stop-child.ts';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { until, waitFor } from '../support/wait.ts';

const entry = fileURLToPath(new URL('../gateway/gateway-process.ts', import.meta.url));
const lagPreload = fileURLToPath(new URL('./lag-event-loop.ts', import.meta.url));

/** A `tollgate gateway` process on 127.0.0.1 serving a snapshot file with a Redis quota store. */
export interface GatewayReplica {
  readonly proxyPort: number;
  readonly adminPort: number;
  /** Its stdout (pino JSON lines), for log assertions. */
  readonly logs: string[];
  /** Event-loop delay since the previous call (only with `lagEventLoop`). */
  eventLoopDelay(): Promise<{ maxMs: number; meanMs: number }>;
  /** The value of one series on /metrics, 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export interface GatewayReplicaOptions {
  snapshotFile: string;
  redisUrl: string;
  /** Preload test/redis/lag-event-loop.ts: the loop is busy for 150 ms every 60 requests. */
  lagEventLoop?: boolean;
  args?: string[];
}

export async function startGatewayReplica(options: GatewayReplicaOptions): Promise<GatewayReplica> {
  const child = spawn(
    process.execPath,
    [
      ...(options.lagEventLoop ? ['--import', lagPreload] : []),
      entry,
      ...['--proxy-port', '0', '--admin-port', '0', '--host', '127.0.0.1'],
      ...['--snapshot', options.snapshotFile, '--redis', options.redisUrl, '--log-level', 'info'],
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  const delays: Array<{ maxMs: number; meanMs: number }> = [];
  let stderr = '';
  createInterface({ input: child.stdout }).on('line', (line) => logs.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => {
    const m = /^event-loop-delay (.*)$/.exec(line);
    if (m) delays.push(JSON.parse(m[1]!) as { maxMs: number; meanMs: number });
    else stderr = (stderr + line + '\n').slice(-4000);
  });
  const stop = (): Promise<void> => stopChild(child);
  try {
    const ports = await until(
      'the gateway to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${stderr}`);
        const line = logs.find((l) => l.includes('gateway listening'));
        return line ? (JSON.parse(line) as { proxyPort: number; adminPort: number }) : undefined;
      },
      15_000,
    );
    const { proxyPort, adminPort } = ports.value;
    await until('the gateway to be ready', async () => ((await get(adminPort, '/readyz')).status === 200 ? true : undefined), 15_000);
    return {
      proxyPort,
      adminPort,
      logs,
      eventLoopDelay: async () => {
        const seen = delays.length;
        child.kill('SIGUSR2');
        await waitFor('an event-loop delay report', () => delays.length > seen, 5_000);
        return delays[seen]!;
      },
      metric: async (name, labels = {}) => {
        const { body } = await get(adminPort, '/metrics');
        let total = 0;
        for (const line of body.split('\n')) {
          if (!line.startsWith(name)) continue;
          const m = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
          if (!m || m[1] !== name) continue;
          if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) total += Number(m[3]);
        }
        return total;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false, timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error(`GET ${path} timed out`));
      });
  });
}
