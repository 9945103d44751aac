// The gateway as benchmarked: API key, a quota on the subscription, metrics and the
// access log on; the memory store, or Redis when a URL is given.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import { logDestination } from '../../gateway/log/log-destination.ts';
import { createGateway } from '../../gateway/server/create-gateway.ts';
import { sealSnapshot } from '../../gateway/snapshot/version.ts';

const [port, upstream, key, redisUrl] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!, process.argv[5]];
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
});
const result = gateway.applySnapshot(
  sealSnapshot({
    schema: 'tollgate.dev/snapshot/v1',
    routes: [{ host: '*', basePath: '/hello/1.0.0', api: 'bench/hello' }],
    apis: [
      {
        id: 'bench/hello',
        namespace: 'bench',
        name: 'hello',
        displayName: 'Hello',
        context: '/hello',
        version: '1.0.0',
        lifecycle: 'Published',
        environments: [],
        upstream: { urls: [upstream], connectTimeoutMs: 1_000, timeoutMs: 10_000, retries: 1 },
        auth: { required: true, apiKey: { header: 'x-api-key' }, oauth2: false, issuers: [] },
      },
    ],
    products: [
      {
        id: 'bench/gold',
        namespace: 'bench',
        name: 'gold',
        displayName: 'Gold',
        environments: [],
        scopes: [],
        apiKeys: 'Allowed',
        access: 'public',
        operations: [{ api: 'bench/hello', paths: [{ pattern: '/', segments: [], rest: 'any' }], methods: [] }],
        quotaFailureMode: 'open',
      },
    ],
    applications: [
      {
        id: 'bench/app',
        namespace: 'bench',
        name: 'app',
        credentials: [{ name: 'main', keyHash: 'sha256:' + createHash('sha256').update(key).digest('hex'), revoked: false }],
        externalClients: [],
      },
    ],
    subscriptions: [{ id: 'bench/app-gold', application: 'bench/app', product: 'bench/gold', quota: { limit: 1_000_000_000, interval: 1, timeUnit: 'day' } }],
    inactiveSubscriptions: [],
  }),
);
if (!result.ok) throw new Error(result.errors.join('; '));
// A normal exit on SIGTERM, so that `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));
console.log(JSON.stringify({ ready: true, port: gateway.proxyPort, adminPort: gateway.adminPort }));
