import { hostname } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { parseTimeZone } from '../../gateway/limits/time-zone.ts';
import { startTokenFile } from '../../gateway/sources/file-source.ts';

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description('reconcile the cluster: watch Tollgate objects, keep credential Secrets, publish snapshots, write statuses')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config or in-cluster)')
    .addOption(new Option('--publisher-port <port>', 'port gateways long-poll for snapshots').default(8081).argParser(Number))
    .addOption(new Option('--admin-port <port>', 'port for /metrics, /healthz, /readyz').default(9091).argParser(Number))
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .addOption(new Option('--token-file <file>', 'bearer token gateways must present').env('TOLLGATE_OPERATOR_TOKEN_FILE'))
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the leader-election Lease').env('POD_NAMESPACE').default('tollgate-system'))
    .addOption(new Option('--identity <name>', 'this replica in the Lease').env('POD_NAME').default(`${hostname()}-${process.pid}`))
    .addOption(
      new Option(
        '--advertise-url <url>',
        "this replica's publisher as the other replicas reach it; the leader puts it on its Lease and followers forward gateway reports there (default: http://$POD_IP:<publisher-port> when POD_IP is set, else none)",
      ).argParser(httpUrl),
    )
    .addOption(new Option('--hold-off <ms>', 'coalesce changes for this long before recompiling').env('TOLLGATE_HOLD_OFF').default(100).argParser(Number))
    .addOption(
      new Option('--lease-duration <ms>', 'leader-election Lease duration (failover takes about this long)')
        .env('TOLLGATE_LEASE_DURATION')
        .default(15_000)
        .argParser(Number),
    )
    .addOption(new Option('--lease-retry <ms>', 'how often followers try for the Lease').default(2_000).argParser(Number))
    .addOption(new Option('--no-events', 'do not write Kubernetes Events').env('TOLLGATE_NO_EVENTS'))
    .addOption(
      new Option('--issuer <url>', 'turn the token service on: the issuer (and origin) of its access tokens, e.g. https://api.example.com').env(
        'TOLLGATE_ISSUER',
      ),
    )
    .addOption(new Option('--audience <aud>', 'the audience of its access tokens').env('TOLLGATE_AUDIENCE').default('tollgate'))
    .addOption(new Option('--access-token-ttl <seconds>', 'lifetime of access tokens').env('TOLLGATE_ACCESS_TOKEN_TTL').default(3600).argParser(Number))
    .addOption(
      new Option('--usage-database <url>', "the usage ledger (postgres://...): Subscription status.usage shows calls in the quota's current window").env(
        'TOLLGATE_USAGE_DATABASE',
      ),
    )
    .addOption(
      new Option('--usage-interval <ms>', 'how often status.usage is brought up to date').env('TOLLGATE_USAGE_INTERVAL').default(30_000).argParser(Number),
    )
    .addOption(
      new Option('--time-zone <zone>', "the gateways' --time-zone, which quota windows follow").env('TOLLGATE_TIME_ZONE').default('UTC').argParser(timeZone),
    )
    .action(runOperatorCommand);
}

interface OperatorCommandOptions {
  kubeconfig?: string;
  publisherPort: number;
  adminPort: number;
  host: string;
  tokenFile?: string;
  leaseNamespace: string;
  identity: string;
  holdOff: number;
  issuer?: string;
  audience: string;
  accessTokenTtl: number;
  leaseDuration: number;
  leaseRetry: number;
  events: boolean;
  advertiseUrl?: string;
  usageDatabase?: string;
  usageInterval: number;
  timeZone: string;
}

async function runOperatorCommand(opts: OperatorCommandOptions): Promise<void> {
  // The token file is watched: a rotated Secret takes effect without a restart.
  const tokenFile = opts.tokenFile ? await startTokenFile(opts.tokenFile, pino({ name: 'tollgate-operator' })) : undefined;
  // Loaded when run: the Kubernetes client costs every other command a third of a second to start.
  const { runOperator } = await import('../../operator/run-operator.ts');
  const operator = await runOperator({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    publisherPort: opts.publisherPort,
    adminPort: opts.adminPort,
    host: opts.host,
    ...(tokenFile ? { token: () => tokenFile.current() } : {}),
    leaseNamespace: opts.leaseNamespace,
    identity: opts.identity,
    ...(opts.advertiseUrl ? { advertiseUrl: opts.advertiseUrl } : {}),
    holdOffMs: opts.holdOff,
    leaseDurationMs: opts.leaseDuration,
    leaseRetryMs: opts.leaseRetry,
    events: opts.events,
    ...(opts.usageDatabase ? { usageDatabase: opts.usageDatabase, usageIntervalMs: opts.usageInterval, quotaTimeZone: opts.timeZone } : {}),
    ...(opts.issuer ? { tokens: { issuer: opts.issuer, audience: opts.audience, policy: { accessTokenTtlSeconds: opts.accessTokenTtl } } } : {}),
  });
  // A second signal (a process-group signal plus a wrapper forwarding it) must not
  // kill the operator before it has released its Lease: stop once, ignore the rest.
  let stopping: Promise<void> | undefined;
  const stop = (): void => {
    stopping ??= operator
      .close()
      .then(() => tokenFile?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function timeZone(value: string): string {
  try {
    parseTimeZone(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return value;
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return value.replace(/\/+$/, '');
}
