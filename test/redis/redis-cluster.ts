import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { freePort, startRedisServer, type RedisServer } from './redis-server.ts';

/**
 * A real Redis Cluster of `size` masters (no replicas) on 127.0.0.1, for checking that
 * multi-key scripts stay within one slot. Each node also listens on its cluster bus port
 * (port + 10000), so ports are picked with both free.
 */
export interface RedisCluster {
  readonly nodes: RedisServer[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` */
  readonly url: string;
  close(): Promise<void>;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port + 10000 <= 65535 && !taken.has(port) && !taken.has(port + 10000) && (await portFree(port + 10000))) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a Redis Cluster node');
}

function cli(args: string[]): string {
  const r = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) {
    throw new Error(`redis-cli is needed for the cluster tests (Debian package redis-tools, pulled in by redis-server): ${r.error.message}`);
  }
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** `options.args`: extra `redis-server` arguments for every node, e.g. `['--enable-debug-command', 'local']`. */
export async function startRedisCluster(size = 3, options: { args?: string[] } = {}): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  const taken = new Set<number>();
  try {
    for (let i = 0; i < size; i++) {
      const port = await clusterPort(taken);
      taken.add(port).add(port + 10000);
      nodes.push(
        await startRedisServer({
          port,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', ...(options.args ?? [])],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    cli(['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      while (!cli(['-p', String(node.port), 'cluster', 'info']).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} did not reach cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      nodes,
      url: `redis+cluster://${addresses.join(',')}`,
      close: async () => {
        await Promise.all(nodes.map((n) => n.close()));
      },
    };
  } catch (error) {
    await Promise.all(nodes.map((n) => n.close()));
    throw error;
  }
}
