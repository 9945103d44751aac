import net from 'node:net';
import { pino, type Logger } from 'pino';
import { RemoteKeySets } from '../auth/jwt-verifier.ts';
import { ExchangeSinks, type ExchangeSink } from '../http/exchange.ts';
import { tokenStoreBeside } from '../limits/create-limit-store.ts';
import type { TokenLimitStore } from '../limits/token-limits.ts';
import type { LimitStore } from '../limits/types.ts';
import { accessLogSink } from '../log/access-log.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { metricsSink } from '../metrics/metrics-sink.ts';
import type { PipelineServices } from '../pipeline/request-context.ts';
import { createPolicyServices } from '../policies/policy-services.ts';
import { STEP_TIMING, timedSinks } from '../pipeline/step-timing.ts';
import { Forwarder } from '../proxy/forwarder.ts';
import { UpstreamClients } from '../proxy/upstream-pool.ts';
import type { RuntimeCaches } from '../runtime/runtime-snapshot.ts';
import { UsageRecorder } from '../usage/usage-recorder.ts';
import type { UsageWriter } from '../usage/usage-writer.ts';
import { startAdminServer } from './admin-server.ts';
import { applySnapshot, type ApplyResult, type SnapshotApplier } from './apply-snapshot.ts';
import { Connections } from './connections.ts';
import { shutDownGateway, type GatewayParts } from './gateway-shutdown.ts';
import { listenProxy, type ProxyServerOptions } from './proxy-server.ts';
import { listenTls, type TlsListener, type TlsListenerOptions } from './tls-listener.ts';
import { RequestHandler } from './request-handler.ts';
import { ServingState } from './serving-state.ts';
import { loadPersistedSnapshot, SnapshotPersister } from './snapshot-persistence.ts';
import { createTokenService } from './token-service-setup.ts';

export interface GatewayOptions {
  /** 0 picks a free port; read the one chosen from `gateway.proxyPort`. */
  proxyPort: number;
  adminPort: number;
  /** Listen address for both ports; default `0.0.0.0`. */
  host?: string;
  /** The environment this gateway serves (Apigee `test`/`prod`); absent: every environment. */
  environment?: string;
  /** Where the last good snapshot is kept, so that a restart serves before any control plane answers. */
  stateDir?: string;
  /** Wait this long before writing an applied snapshot to `stateDir`, coalescing what comes meanwhile; default 0. */
  persistDelayMs?: number;
  limitStore: LimitStore;
  /** LLM APIs' token quotas; default: beside `limitStore` (its Redis, or memory). */
  tokenLimitStore?: TokenLimitStore;
  logger?: Logger;
  /** Epoch milliseconds; credentials' expiry and limit windows are judged by it. */
  clock?: () => number;
  /** Request body limit; default 10 MiB. */
  maxBodyBytes?: number;
  /** An upstream connection pool no snapshot uses any more is closed this long after; default 2 min. */
  unusedUpstreamGraceMs?: number;
  /** Request line and headers limit; default 16 KiB. */
  maxHeaderBytes?: number;
  /** On close: how long to keep serving (readiness already failing) before the listener stops; default 0. */
  shutdownDelayMs?: number;
  /** On close: how long in-flight requests may take before their connections are cut; default 30 s. */
  drainTimeoutMs?: number;
  /** How long a keep-alive connection may sit idle; default 65 s (above common load balancer idle timeouts). */
  keepAliveTimeoutMs?: number;
  /** How long a client may take to send a request's line and headers before it is answered 408; default 20 s. */
  headersTimeoutMs?: number;
  /** How long a client may take to send a whole request, body included, before it is answered 408; default 300 s. */
  requestTimeoutMs?: number;
  /** Default true: Node's process metrics on /metrics. Off in tests that run many gateways in one process. */
  processMetrics?: boolean;
  /** The token service's private signing keys (gateway/tokens/signing-keys.ts); without them it issues no tokens. */
  signingKeys?: unknown;
  /** Failed client authentications at the token endpoint allowed per minute, per client id and per source address. */
  tokenFailures?: { perClient: number; perSource: number };
  /** The usage ledger: where this replica's per-minute usage goes, how often (default 10 s), and how long close may take to write the rest (default 10 s). */
  usage?: { writer: UsageWriter; flushIntervalMs?: number; drainTimeoutMs?: number; maxCells?: number };
  /** Where the Secrets policies name are mounted, `<dir>/<namespace>/<name>/<key>` (backend credentials); watched for rotations. */
  secretsDir?: string;
  /** An HTTPS proxy port beside the plain one: certificates from files (mounted Secrets), SNI, client certificates. */
  tls?: TlsListenerOptions;
  /** The response cache's memory bound; default 64 MiB. */
  responseCacheBytes?: number;
  /** Peers (CIDR) whose X-Forwarded-For names the client for IP rules and limits by IP; default none. */
  trustedProxies?: string[];
}

export type { ApplyResult };

export interface Gateway {
  readonly proxyPort: number;
  /** The HTTPS proxy port, when `tls` is configured. */
  readonly tlsPort: number | undefined;
  /** Reads the TLS certificates again (they are also reloaded when their files change). */
  reloadTls(): boolean;
  readonly adminPort: number;
  readonly metrics: GatewayMetrics;
  /** The usage ledger's recorder, when the gateway has a usage store. */
  readonly usage: UsageRecorder | undefined;
  /**
   * Validates, builds, then swaps in atomically; a refused snapshot leaves the current one serving.
   * `json`: the JSON `candidate` was parsed from, when there is one; the state directory keeps it as is.
   */
  applySnapshot(candidate: unknown, source?: string, json?: string | Uint8Array): ApplyResult;
  /** Swaps in a new signing key ring (a rotation); a refused ring leaves the current one signing. */
  setSigningKeys(candidate: unknown, source?: string): { ok: true } | { ok: false; errors: string[] };
  currentVersion(): string | undefined;
  ready(): boolean;
  /** Graceful: readiness fails, in-flight requests finish, keep-alive clients are told to go. */
  close(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? pino({ name: 'tollgate-gateway' });
  const now = options.clock ?? Date.now;
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? true });
  const caches: RuntimeCaches = {
    clients: new UpstreamClients(options.unusedUpstreamGraceMs !== undefined ? { unusedGraceMs: options.unusedUpstreamGraceMs } : {}),
    keySets: new RemoteKeySets(),
    pools: new Map(),
  };
  const state = new ServingState();
  const persister = options.stateDir ? new SnapshotPersister(options.stateDir, logger, options.persistDelayMs ?? 0) : undefined;
  const applier: SnapshotApplier = { state, caches, metrics, logger, environment: options.environment, persister, now };

  const { tokens, setSigningKeys } = createTokenService(options, now, metrics, logger);
  const policies = createPolicyServices(options, now, tokens, metrics.registry);
  caches.secrets = policies.secrets;
  const metricsOut = metricsSink(metrics);
  const accessLog = accessLogSink(logger.child({ log: 'access' }));
  const usage = options.usage && startUsageRecorder(options, metrics, logger, now);
  const sinks: ExchangeSink[] = STEP_TIMING
    ? timedSinks([{ name: 'metrics', sink: metricsOut }, { name: 'access-log', sink: accessLog }, ...(usage ? [{ name: 'usage', sink: usage }] : [])])
    : [metricsOut, accessLog, ...(usage ? [usage] : [])];
  const exchanges = new ExchangeSinks(sinks, (err) => logger.error({ err }, 'an exchange sink failed'));
  const forwarder = new Forwarder(
    { ejected: () => metrics.ejected(), upstreamError: (kind) => metrics.upstreamError(kind), done: (exchange) => exchanges.complete(exchange) },
    now,
    () => state.draining,
  );
  const apply = (candidate: unknown, source = 'api', json?: string | Uint8Array): ApplyResult => applySnapshot(applier, candidate, source, json);
  if (options.stateDir) {
    const persisted = await loadPersistedSnapshot(options.stateDir, logger);
    // Without the persister: the file it came from holds it already, and writing 55 MB again at every start is for nothing.
    if (persisted !== undefined) applySnapshot({ ...applier, persister: undefined }, persisted, 'state-dir');
  }

  const services: PipelineServices = {
    limits: options.limitStore,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    now,
    onLimitStoreFailure: (product, mode) => metrics.limitStoreFailed(product, mode),
    tokens,
    forwarder,
    tokenLimits: options.tokenLimitStore ?? tokenStoreBeside(options.limitStore),
    policies,
  };
  await services.policies.secrets.watch();
  const connections = new Connections();
  const handler = new RequestHandler(state, services, exchanges, connections, logger);
  const host = options.host ?? '0.0.0.0';
  const { server, tls } = await listen(options, host, handler, connections, logger);
  const admin = await startAdminServer({
    port: options.adminPort,
    host,
    metrics,
    status: () => ({ ready: state.ready(), version: state.runtime?.version, draining: state.draining }),
  });

  let closing: Promise<void> | undefined;
  const parts: GatewayParts = { state, logger, server, connections, exchanges, forwarder, admin, caches, persister, usage, tls, policies: services.policies };
  const close = (): Promise<void> => (closing ??= shutDownGateway(parts, options));

  const proxyAddress = server.address() as net.AddressInfo;
  return {
    proxyPort: proxyAddress.port,
    tlsPort: tls ? (tls.server.address() as net.AddressInfo).port : undefined,
    reloadTls: () => tls?.reload() ?? false,
    adminPort: admin.port,
    metrics,
    usage,
    applySnapshot: apply,
    setSigningKeys,
    currentVersion: () => state.runtime?.version,
    ready: () => state.ready(),
    close,
  };
}

function startUsageRecorder(options: GatewayOptions, metrics: GatewayMetrics, logger: Logger, now: () => number): UsageRecorder {
  const usage = options.usage!;
  let failing = false;
  return new UsageRecorder({
    writer: usage.writer,
    environment: options.environment ?? '',
    now,
    ...(usage.flushIntervalMs !== undefined ? { flushIntervalMs: usage.flushIntervalMs } : {}),
    ...(usage.drainTimeoutMs !== undefined ? { drainTimeoutMs: usage.drainTimeoutMs } : {}),
    ...(usage.maxCells !== undefined ? { maxCells: usage.maxCells } : {}),
    events: {
      flushed: (result, seconds, _rows, requests) => {
        metrics.usageFlushed(result, seconds, requests, now());
        if (result === 'ok' && failing) logger.warn('usage store taking writes again');
        failing = result === 'failed';
      },
      buffered: (cells) => metrics.usageBuffered(cells),
      dropped: (requests) => {
        metrics.usageDropped(requests);
        logger.error({ requests }, 'usage dropped: the usage store stayed down past the buffer bound');
      },
      // Logged once per outage, not per retry.
      error: (err) => {
        if (!failing) logger.error({ err }, 'usage store write failed; kept in memory and retried at the next flush');
      },
    },
  });
}

/** The plain proxy port, and the HTTPS one when configured; both serve the same handler. */
async function listen(
  options: GatewayOptions,
  host: string,
  handler: RequestHandler,
  connections: Connections,
  logger: Logger,
): Promise<{ server: net.Server; tls: TlsListener | undefined }> {
  const base: ProxyServerOptions = {
    port: options.proxyPort,
    host,
    maxHeaderBytes: options.maxHeaderBytes ?? 16 * 1024,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 65_000,
    headersTimeoutMs: options.headersTimeoutMs ?? 20_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
  };
  const server = await listenProxy(base, handler, connections);
  const tls = options.tls ? await listenTls(options.tls, base, handler, connections, logger) : undefined;
  return { server, tls };
}
