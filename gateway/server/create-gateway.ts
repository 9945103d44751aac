import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { once } from 'node:events';
import { pino, type Logger } from 'pino';
import { RemoteKeySets } from '../auth/jwt-verifier.ts';
import { ERRORS } from '../errors/error-codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { rawProblemResponse } from '../errors/problem.ts';
import type { LimitStore } from '../limits/types.ts';
import { writeAccessLog } from '../log/access-log.ts';
import { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { Forwarder } from '../proxy/forwarder.ts';
import { UpstreamClients } from '../proxy/upstream-pool.ts';
import { validateSnapshot } from '../snapshot/validate.ts';
import { TokenService } from '../tokens/token-service.ts';
import { startAdminServer } from './admin-server.ts';
import { evaluateRequest } from './evaluate-request.ts';
import type { Exchange } from '../http/exchange.ts';
import { LINGER_MS } from '../http/lingering-close.ts';
import { sendPreflight, sendProblem, sendSocketProblem } from '../http/respond.ts';
import { buildRuntime, type RuntimeCaches, type RuntimeSnapshot } from './runtime-snapshot.ts';
import { loadPersistedSnapshot, SnapshotPersister } from './snapshot-persistence.ts';

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
  limitStore: LimitStore;
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
}

export type ApplyResult = { ok: true; version: string; changed: boolean } | { ok: false; errors: string[] };

export interface Gateway {
  readonly proxyPort: number;
  readonly adminPort: number;
  readonly metrics: GatewayMetrics;
  /** Validates, builds, then swaps in atomically; a refused snapshot leaves the current one serving. */
  applySnapshot(candidate: unknown, source?: string): ApplyResult;
  /** Swaps in a new signing key ring (a rotation); a refused ring leaves the current one signing. */
  setSigningKeys(candidate: unknown, source?: string): { ok: true } | { ok: false; errors: string[] };
  currentVersion(): string | undefined;
  ready(): boolean;
  /** Graceful: readiness fails, in-flight requests finish, keep-alive clients are told to go. */
  close(): Promise<void>;
}

const IDLE_GRACE_MS = 1_000;
/** How often Node looks for requests past their header or request timeout (its default, 30 s, would let them run that much longer). */
const TIMEOUT_CHECK_MS = 500;
/** Logged, never sent: the client closed the connection before any response. */
const CLIENT_CLOSED_REQUEST = 499;

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? pino({ name: 'tollgate-gateway' });
  const accessLogger = logger.child({ log: 'access' });
  const now = options.clock ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics ?? true });
  const caches: RuntimeCaches = { clients: new UpstreamClients(options.unusedUpstreamGraceMs !== undefined ? { unusedGraceMs: options.unusedUpstreamGraceMs } : {}), keySets: new RemoteKeySets(), pools: new Map() };
  const persister = options.stateDir ? new SnapshotPersister(options.stateDir, logger) : undefined;

  let runtime: RuntimeSnapshot | undefined;
  let draining = false;
  const tokenService = new TokenService({
    now,
    metrics,
    ...(options.tokenFailures ? { failuresPerClient: options.tokenFailures.perClient, failuresPerSource: options.tokenFailures.perSource } : {}),
  });
  function setSigningKeys(candidate: unknown, source = 'api'): { ok: true } | { ok: false; errors: string[] } {
    const result = tokenService.setSigningKeys(candidate);
    if (result.ok) logger.info({ source }, 'signing keys applied');
    else logger.error({ source, errors: result.errors }, 'signing keys refused; the current ones keep signing');
    return result;
  }
  if (options.signingKeys !== undefined) {
    const result = setSigningKeys(options.signingKeys, 'options');
    if (!result.ok) throw new Error(`the signing keys are invalid: ${result.errors.join('; ')}`);
  }

  const forwarder = new Forwarder(
    {
      ejected: () => metrics.ejected(),
      upstreamError: (kind) => metrics.upstreamError(kind),
      done: (exchange) => finish(exchange),
    },
    now,
    () => draining,
  );

  function applySnapshot(candidate: unknown, source = 'api'): ApplyResult {
    const checked = validateSnapshot(candidate);
    if (!checked.ok) {
      metrics.snapshotOffered('refused');
      logger.error({ source, errors: checked.errors.slice(0, 20) }, 'snapshot refused; the last good one keeps serving');
      return { ok: false, errors: checked.errors };
    }
    const snapshot = checked.snapshot;
    if (runtime?.version === snapshot.version) {
      metrics.snapshotOffered('unchanged');
      return { ok: true, version: snapshot.version, changed: false };
    }
    let next: RuntimeSnapshot;
    try {
      next = buildRuntime(snapshot, caches, options.environment);
    } catch (err) {
      metrics.snapshotOffered('refused');
      const message = err instanceof Error ? err.message : String(err);
      logger.error({ source, err }, 'snapshot refused: it could not be built');
      return { ok: false, errors: [message] };
    }
    runtime = next;
    caches.clients.retain(caches.pools.values());
    metrics.snapshotApplied(snapshot.version, now());
    logger.info({ source, version: snapshot.version, apis: snapshot.apis.length }, 'snapshot applied');
    persister?.save(snapshot);
    return { ok: true, version: snapshot.version, changed: true };
  }

  if (options.stateDir) {
    const persisted = await loadPersistedSnapshot(options.stateDir, logger);
    if (persisted !== undefined) applySnapshot(persisted, 'state-dir');
  }

  function finish(exchange: Exchange): void {
    const seconds = (performance.now() - exchange.startedAt) / 1000;
    metrics.request(exchange.api ?? '', exchange.product ?? '', exchange.status ?? 0, seconds, exchange.upstreamMs === undefined ? undefined : exchange.upstreamMs / 1000);
    if (exchange.code && AUTH_CODES.has(exchange.code)) metrics.authFailure(exchange.code);
    if (exchange.code && LIMIT_CODES.has(exchange.code)) metrics.limitRejected(exchange.product ?? '', exchange.limited ?? exchange.code);
    writeAccessLog(accessLogger, exchange, seconds * 1000);
  }

  const evaluateContext = {
    environment: options.environment,
    limits: options.limitStore,
    maxBodyBytes,
    now,
    onLimitStoreFailure: (product: string, mode: 'open' | 'closed') => metrics.limitStoreFailed(product, mode),
  };

  const inFlight = new Map<Socket, number>();
  /** Each connection's latest request: a parser error or timeout may belong to it, and it may have been answered already. */
  const latest = new WeakMap<Socket, { res: ServerResponse; exchange: Exchange }>();

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const exchange: Exchange = { id: randomUUID(), startedAt: performance.now(), method: req.method ?? '' };
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    latest.set(socket, { res, exchange });
    res.once('close', () => {
      const active = inFlight.get(socket);
      if (active !== undefined) inFlight.set(socket, active - 1);
      // Nothing was sent: the client left first (nginx's 499), whatever status was planned.
      if (!res.headersSent) exchange.status = CLIENT_CLOSED_REQUEST;
      else exchange.status ??= res.statusCode;
      if (!res.writableFinished) exchange.aborted = true;
      finish(exchange);
    });
    if (draining) res.setHeader('connection', 'close');
    const current = runtime;
    if (!current) {
      exchange.code = 'not-ready';
      sendProblem(res, 'not-ready', undefined, exchange.id, { 'retry-after': '1' });
      return;
    }
    const endpoint = tokenService.endpointOf(req, current);
    if (endpoint) {
      try {
        await tokenService.serve(endpoint, req, res, current, exchange);
      } catch (err) {
        refuse(err, exchange, (code, detail, headers) => sendProblem(res, code, detail, exchange.id, headers));
      }
      return;
    }
    let plan;
    try {
      plan = await evaluateRequest(req, current, evaluateContext, exchange, false);
    } catch (err) {
      refuse(err, exchange, (code, detail, headers) => sendProblem(res, code, detail, exchange.id, headers));
      return;
    }
    if (res.destroyed) return;
    if ('preflight' in plan) {
      sendPreflight(res, plan.preflight, exchange.id);
      return;
    }
    forwarder.web(req, res, plan, exchange);
  }

  function refuse(
    err: unknown,
    exchange: Exchange,
    send: (code: GatewayError['code'], detail: string | undefined, headers: Record<string, string>) => void,
  ): void {
    if (err instanceof GatewayError) {
      exchange.code = err.code;
      if (err.detail) exchange.detail = err.detail;
      send(err.code, err.detail, err.headers);
      return;
    }
    exchange.code = 'internal-error';
    logger.error({ err, reqId: exchange.id }, 'request failed inside the gateway');
    send('internal-error', undefined, {});
  }

  async function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const exchange: Exchange = { id: randomUUID(), startedAt: performance.now(), method: req.method ?? '', websocket: true };
    socket.on('error', () => socket.destroy());
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const current = runtime;
    const refuseSocket = (code: GatewayError['code'], detail: string | undefined, headers: Record<string, string>): void => {
      exchange.status = ERRORS[code].status;
      sendSocketProblem(socket, code, detail, exchange.id, headers);
      finish(exchange);
    };
    if (!current || draining) {
      refuseSocket('not-ready', undefined, {});
      return;
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      refuseSocket('bad-request', 'only WebSocket upgrades are proxied', {});
      return;
    }
    let plan;
    try {
      plan = await evaluateRequest(req, current, evaluateContext, exchange, true);
    } catch (err) {
      refuse(err, exchange, refuseSocket);
      return;
    }
    forwarder.ws(req, socket, head, plan, exchange);
  }
  const upgraded = new Set<Socket>();

  const server = http.createServer(
    {
      maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000,
      headersTimeout: options.headersTimeoutMs ?? 20_000,
      requestTimeout: options.requestTimeoutMs ?? 300_000,
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    (req, res) => void onRequest(req, res),
  );
  server.on('upgrade', (req, socket, head) => void onUpgrade(req, socket as Socket, head));
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers-too-large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request-timeout' : 'bad-request';
    const current = latest.get(socket);
    if (current && !current.res.req.complete) {
      // The error is in the body of a request that has a response object: answer through it,
      // unless a response has begun already; a second one would be read as the next request's.
      if (current.res.headersSent) socket.destroy();
      else {
        current.exchange.code = code;
        sendProblem(current.res, code, undefined, current.exchange.id);
      }
      return;
    }
    if (current && !current.res.writableFinished) {
      // A new request's headers failed while the previous response is still being written: nothing can be said.
      socket.destroy();
      return;
    }
    socket.end(rawProblemResponse(code));
    // A client that never closes its side must not keep the socket.
    const cut = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(cut));
  });

  server.listen(options.proxyPort, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const admin = await startAdminServer({
    port: options.adminPort,
    host: options.host ?? '0.0.0.0',
    metrics,
    status: () => ({ ready: runtime !== undefined && !draining, version: runtime?.version, draining }),
  });

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      draining = true;
      logger.info({ delayMs: options.shutdownDelayMs ?? 0 }, 'draining');
      if (options.shutdownDelayMs) await sleep(options.shutdownDelayMs);
      // Stop accepting without Node's closeIdleConnections(): an idle keep-alive
      // connection closed by us can cross a request the client is sending on it.
      // Each connection instead gets its next response with `Connection: close`,
      // or is closed after it has been idle for a grace period.
      const stopped = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      const deadline = Date.now() + (options.drainTimeoutMs ?? 30_000);
      const idleSince = new Map<Socket, number>();
      while (inFlight.size > 0 && Date.now() < deadline) {
        const t = Date.now();
        for (const [socket, active] of inFlight) {
          if (socket.destroyed) {
            inFlight.delete(socket);
            continue;
          }
          if (active > 0) {
            idleSince.delete(socket);
            continue;
          }
          const since = idleSince.get(socket) ?? t;
          idleSince.set(socket, since);
          if (t - since >= IDLE_GRACE_MS) socket.end();
        }
        await sleep(25);
      }
      for (const socket of inFlight.keys()) socket.destroy();
      for (const socket of upgraded) socket.destroy();
      await stopped;
      forwarder.close();
      await admin.close();
      await caches.clients.destroy();
      await persister?.flush();
      logger.info('closed');
    })();
    return closing;
  }

  const proxyAddress = server.address() as net.AddressInfo;
  return {
    proxyPort: proxyAddress.port,
    adminPort: admin.port,
    metrics,
    applySnapshot,
    setSigningKeys,
    currentVersion: () => runtime?.version,
    ready: () => runtime !== undefined && !draining,
    close,
  };
}

const AUTH_CODES = new Set<string>([
  'ambiguous-credentials',
  'credentials-missing',
  'credentials-invalid',
  'credentials-expired',
  'credentials-revoked',
  'application-suspended',
  'not-subscribed',
  'insufficient-scope',
]);
const LIMIT_CODES = new Set<string>(['quota-exceeded', 'rate-limited', 'limits-unavailable']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
