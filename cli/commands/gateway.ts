import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { pino } from 'pino';
import { createLimitStore } from '../../gateway/limits/create-limit-store.ts';
import { DEFAULT_LIMIT_TIMEOUT_MS } from '../../gateway/limits/redis-store.ts';
import { logDestination } from '../../gateway/log/log-destination.ts';
import { createGateway } from '../../gateway/server/create-gateway.ts';
import { startFileSource, startSigningKeysFile, startTokenFile, type SnapshotSource, type TokenFile } from '../../gateway/sources/file-source.ts';
import { startOperatorClient } from '../../gateway/sources/operator-client.ts';
import { policyGatewayOptions, policyOptions, type PolicyCommandOptions } from './policy-options.ts';

interface GatewayCommandOptions extends PolicyCommandOptions {
  proxyPort: number;
  adminPort: number;
  host: string;
  environment?: string;
  snapshot?: string;
  operator?: string;
  operatorTokenFile?: string;
  replica: string;
  stateDir?: string;
  signingKeys?: string;
  redis?: string;
  timeZone: string;
  limitTimeout: number;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  shutdownDelay: number;
  drainTimeout: number;
  logLevel: string;
  usageDatabase?: string;
  usageFlushInterval: number;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('not a positive integer');
  return n;
}

function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/./.test(value)) throw new InvalidArgumentError('give a postgres:// URL (pglite: is for one process: tollgate dev)');
  return value;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
  return n;
}

/** Adds `tollgate gateway`: the data plane, fed by a snapshot file or the operator. */
export function registerGatewayCommand(program: Command): Command {
  const command = program
    .command('gateway')
    .description('serve APIs from a snapshot: route, authenticate, authorise, limit and proxy')
    .addOption(new Option('--proxy-port <port>', 'port for API traffic').default(8080).argParser(integer))
    .addOption(new Option('--admin-port <port>', 'port for /metrics, /healthz and /readyz').default(9090).argParser(integer))
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option(
      '--environment <name>',
      'environment this gateway serves (APIs and products deployed elsewhere are not served); default: all, except paths served per environment',
    )
    .addOption(new Option('--snapshot <file>', 'serve the snapshot in this JSON file, reloading it when it changes').conflicts('operator'))
    .option('--operator <url>', 'long-poll the operator publisher at this URL for snapshots')
    .addOption(new Option('--operator-token-file <file>', 'file holding the bearer token for --operator').env('TOLLGATE_OPERATOR_TOKEN_FILE'))
    .addOption(new Option('--replica <name>', "this replica's name in the operator's status").env('POD_NAME').default(hostname()))
    .option('--state-dir <dir>', 'keep the last good snapshot here and serve it at start')
    .addOption(
      new Option(
        '--signing-keys <file>',
        "the token service's signing key ring (JSON; in a cluster the operator's Secret, mounted), reloaded when it changes; without it /oauth2/token issues nothing",
      ).env('TOLLGATE_SIGNING_KEYS_FILE'),
    )
    .addOption(new Option('--redis <url>', 'shared quota store: redis://, rediss:// or redis+cluster://h:p,h:p (default: in memory)').env('TOLLGATE_REDIS_URL'))
    .option('--time-zone <zone>', 'zone that calendar quota windows follow', 'UTC')
    .addOption(
      new Option('--limit-timeout <ms>', "how long Redis may take to answer a quota check before the product's failure mode applies")
        .default(DEFAULT_LIMIT_TIMEOUT_MS)
        .argParser(positiveInteger),
    )
    .addOption(new Option('--max-body-bytes <n>', 'largest request body').default(10 * 1024 * 1024).argParser(integer))
    .addOption(new Option('--max-header-bytes <n>', 'largest request line and headers').default(16 * 1024).argParser(integer))
    .addOption(
      new Option('--shutdown-delay <ms>', 'on SIGTERM, keep serving this long with readiness failing (let endpoints update)').default(0).argParser(integer),
    )
    .addOption(new Option('--drain-timeout <ms>', 'on SIGTERM, longest wait for requests in flight').default(30_000).argParser(integer))
    .addOption(new Option('--log-level <level>', 'pino log level').default('info').env('TOLLGATE_LOG_LEVEL'))
    .addOption(
      new Option('--usage-database <url>', 'usage store (postgres://...; in a cluster from a Secret) this replica writes its per-minute usage to')
        .env('TOLLGATE_USAGE_DATABASE')
        .argParser(postgresUrl),
    )
    .addOption(new Option('--usage-flush-interval <ms>', 'how often usage is written to the usage store').default(10_000).argParser(positiveInteger));
  for (const option of policyOptions()) command.addOption(option);
  return command.action(async (options: GatewayCommandOptions) => {
    if (!options.snapshot && !options.operator && !options.stateDir) {
      throw new InvalidArgumentError('give --snapshot FILE or --operator URL (or at least --state-dir)');
    }
    await runGateway(options);
  });
}

async function runGateway(options: GatewayCommandOptions): Promise<void> {
  const logger = pino({ name: 'tollgate-gateway', level: options.logLevel }, logDestination());
  // Assigned once the gateway exists; the store cannot fail a check before then.
  let gateway: Awaited<ReturnType<typeof createGateway>> | undefined;
  const limitStore = createLimitStore({
    ...(options.redis ? { redisUrl: options.redis } : {}),
    timeZone: options.timeZone,
    commandTimeoutMs: options.limitTimeout,
    onConnectionError: (err) => logger.warn({ err }, 'quota store connection error'),
    onIncidentStart: (err, { product, failureMode }) => {
      gateway?.metrics.limitStoreIncident();
      logger.error({ err, product, failureMode }, 'quota store not answering: products fail open (uncounted) or closed until it does');
    },
    onIncidentEnd: (report) => {
      const message = report.recovered ? 'quota store answering again' : 'stopped while the quota store was not answering';
      logger.warn(report, message);
    },
  });
  // Checks made before Redis answers follow each product's failure mode; give it a moment first.
  const connecting = limitStore as typeof limitStore & { ready?: (timeoutMs?: number) => Promise<boolean> };
  if (options.redis && connecting.ready && !(await connecting.ready(3_000))) {
    logger.warn('the quota store is not reachable yet; products fail open or closed until it is');
  }
  gateway = await createGateway({
    proxyPort: options.proxyPort,
    adminPort: options.adminPort,
    host: options.host,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    limitStore,
    logger,
    maxBodyBytes: options.maxBodyBytes,
    maxHeaderBytes: options.maxHeaderBytes,
    shutdownDelayMs: options.shutdownDelay,
    drainTimeoutMs: options.drainTimeout,
    ...(options.usageDatabase ? { usage: await usageOptions(options) } : {}),
    ...policyGatewayOptions(options),
  });
  logger.info(
    { proxyPort: gateway.proxyPort, adminPort: gateway.adminPort, tlsPort: gateway.tlsPort ?? null, version: gateway.currentVersion() ?? null },
    'gateway listening',
  );

  const signingKeys = options.signingKeys ? await startSigningKeysFile(gateway, options.signingKeys, logger) : undefined;
  let source: SnapshotSource | undefined;
  let tokenFile: TokenFile | undefined;
  if (options.snapshot) source = await startFileSource(gateway, options.snapshot, logger);
  if (options.operator) {
    // Watched: a rotated Secret takes effect without a restart.
    tokenFile = options.operatorTokenFile ? await startTokenFile(options.operatorTokenFile, logger) : undefined;
    const file = tokenFile;
    source = startOperatorClient(gateway, {
      url: options.operator,
      ...(file ? { token: () => file.current() } : {}),
      replica: options.replica,
      logger,
    });
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await source?.close();
    await tokenFile?.close();
    await signingKeys?.close();
    await gateway.close();
    await limitStore.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The usage ledger's writer; pg is loaded only when a usage store is given, and connects on first write. */
async function usageOptions(options: GatewayCommandOptions): Promise<NonNullable<Parameters<typeof createGateway>[0]['usage']>> {
  const url = options.usageDatabase!;
  const { connectPostgres } = await import('../../gateway/usage/sql-client.ts');
  const { sqlUsageWriter } = await import('../../gateway/usage/usage-writer.ts');
  // This process's rows are its own: a restarted replica of the same name adds to, never overwrites, the last one's.
  const incarnation = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  return { writer: sqlUsageWriter(await connectPostgres(url), options.replica, incarnation), flushIntervalMs: options.usageFlushInterval };
}
