// The gateway as benchmarked: API key, a quota on the subscription, metrics and the
// access log on; the memory store, or Redis when a URL is given; with `--policies`,
// the representative policy set (bench-snapshot.ts) and its Secret in a temp directory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import { logDestination } from '../../gateway/log/log-destination.ts';
import { createGateway } from '../../gateway/server/create-gateway.ts';
import { BENCH_POLICIES, BENCH_SECRET, benchSnapshot } from './bench-snapshot.ts';

const withPolicies = process.argv.includes('--policies');
const [port, upstream, key, redisUrl] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!, process.argv.slice(5).find((a) => a !== '--policies')];
let secretsDir: string | undefined;
if (withPolicies) {
  secretsDir = mkdtempSync(path.join(tmpdir(), 'tollgate-bench-secrets-'));
  const dir = path.join(secretsDir, BENCH_SECRET.namespace, BENCH_SECRET.name);
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(BENCH_SECRET.data)) writeFileSync(path.join(dir, k), v);
}
const store = createLimitStore(redisUrl ? { redisUrl } : {});
const withReady = store as typeof store & { ready?: (ms: number) => Promise<boolean> };
if (withReady.ready && !(await withReady.ready(5_000))) throw new Error('redis not reachable');

const gateway = await createGateway({
  proxyPort: port,
  adminPort: 0,
  host: '127.0.0.1',
  limitStore: store,
  // The access log is written, to a sink that costs what a file does, through
  // logDestination() (batched writes), as tollgate gateway does.
  logger: pino(logDestination({ dest: '/dev/null' })),
  ...(secretsDir ? { secretsDir } : {}),
});
const result = gateway.applySnapshot(benchSnapshot(upstream, key, withPolicies ? BENCH_POLICIES : undefined));
if (!result.ok) throw new Error(result.errors.join('; '));
// A normal exit on SIGTERM, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
console.log(JSON.stringify({ ready: true, port: gateway.proxyPort, adminPort: gateway.adminPort }));
