import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import type { ErrorCode } from '../errors/error-codes.ts';
import type { Exchange } from '../server/exchange.ts';
import { sendProblem, sendSocketProblem } from '../server/respond.ts';
import type { UpstreamPool, UpstreamTarget } from './upstream-pool.ts';

export interface ForwardPlan {
  pool: UpstreamPool;
  /** The canonical path relative to the API's base path: `''` or `/...`. */
  relativePath: string;
  /** The query to forward (credential parameter removed), without `?`. */
  query: string | undefined;
  connectTimeoutMs: number;
  /** The longest the upstream may stay silent, before or during its response. */
  timeoutMs: number;
  /** Extra attempts; used only when `retryable`. */
  retries: number;
  /** Idempotent and without a body: safe to send again, since nothing reached the client yet. */
  retryable: boolean;
  /** Headers the gateway adds to the client's response (limits, deprecation). */
  responseHeaders: Record<string, string>;
  maxBodyBytes: number;
}

export interface ForwarderEvents {
  ejected(target: UpstreamTarget): void;
  upstreamError(kind: UpstreamFailure): void;
  /** Called once per WebSocket exchange, when its socket closes (HTTP exchanges end with their response). */
  done(exchange: Exchange): void;
}

export type UpstreamFailure = 'connect' | 'connect-timeout' | 'timeout' | 'reset' | 'error';

interface Flight {
  plan: ForwardPlan;
  exchange: Exchange;
  tried: Set<UpstreamTarget>;
  target?: UpstreamTarget;
  proxyReq?: ClientRequest;
  attemptStartedAt: number;
  timedOut: boolean;
  responseStarted: boolean;
  /** The gateway has answered the client itself; later upstream events are ignored. */
  answered: boolean;
  settled: boolean;
}

// Response headers that describe the upstream's connection, not the response.
const HOP_BY_HOP_RESPONSE = ['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer'];

// A request's flight rides on the request itself: a WeakMap entry per request costs
// the garbage collector an ephemeron each, which shows at tens of thousands a second.
const FLIGHT = Symbol('tollgate.flight');
const WS_FLIGHT = Symbol('tollgate.wsFlight');
type Carrier = IncomingMessage & { [FLIGHT]?: Flight; [WS_FLIGHT]?: { upgraded: boolean } };

/** http-proxy-3's per-request options, made once per target and connect timeout. */
const proxyOptionsCache = new WeakMap<UpstreamTarget, { connectTimeout: number; options: { target: URL; agent: UpstreamTarget['agent']; connectTimeout: number } }>();
function proxyOptions(target: UpstreamTarget, connectTimeout: number): { target: URL; agent: UpstreamTarget['agent']; connectTimeout: number } {
  const cached = proxyOptionsCache.get(target);
  if (cached && cached.connectTimeout === connectTimeout) return cached.options;
  const options = { target: target.origin, agent: target.agent, connectTimeout };
  proxyOptionsCache.set(target, { connectTimeout, options });
  return options;
}

/**
 * http-proxy-3 does the byte work; this decides which target, how long to wait,
 * whether to try again, and what the client is told when the upstream fails.
 * The path is sent verbatim (`toProxy`): http-proxy-3 would otherwise resolve it
 * with the WHATWG URL parser, which is exactly the rewriting that canonicalisation
 * exists to rule out.
 */
export class Forwarder {
  readonly #proxy = createProxyServer({ xfwd: false, toProxy: true, changeOrigin: true, prependPath: false });
  readonly #events: ForwarderEvents;
  readonly #now: () => number;
  readonly #draining: () => boolean;

  constructor(events: ForwarderEvents, now: () => number, draining: () => boolean) {
    this.#events = events;
    this.#now = now;
    this.#draining = draining;
    this.#proxy.on('proxyReq', (proxyReq, req) => this.#onProxyReq(proxyReq, req));
    this.#proxy.on('proxyRes', (proxyRes, req, res) => this.#onProxyRes(proxyRes, req, res));
    this.#proxy.on('proxyReqWs', (proxyReq, req) => {
      const flight = (req as Carrier)[WS_FLIGHT];
      if (flight) proxyReq.once('upgrade', () => (flight.upgraded = true));
    });
    // The client went away; http-proxy-3 has already destroyed the upstream request.
    this.#proxy.on('econnreset', () => {});
    this.#proxy.on('error', () => {});
  }

  web(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan, exchange: Exchange): void {
    const flight: Flight = {
      plan,
      exchange,
      tried: new Set(),
      attemptStartedAt: 0,
      timedOut: false,
      responseStarted: false,
      answered: false,
      settled: false,
    };
    (req as Carrier)[FLIGHT] = flight;
    res.once('close', () => (flight.settled = true));
    if (!this.#attempt(req, res, flight)) return;
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined) {
      this.#limitBody(req, res, flight);
    }
  }

  ws(req: IncomingMessage, socket: Socket, head: Buffer, plan: ForwardPlan, exchange: Exchange): void {
    const target = plan.pool.pick(this.#now(), new Set());
    if (!target) {
      sendSocketProblem(socket, 'upstream-unavailable', undefined, exchange.id);
      return;
    }
    req.url = upstreamPath(target, plan);
    exchange.upstream = target.origin.host;
    exchange.status = 101;
    const flight = { upgraded: false };
    (req as Carrier)[WS_FLIGHT] = flight;
    socket.once('close', () => this.#events.done(exchange));
    this.#proxy.ws(req, socket, head, { target: target.origin, agent: false, connectTimeout: plan.connectTimeoutMs }, (err) => {
      if (flight.upgraded) {
        socket.destroy();
        return;
      }
      const kind = classify(err, false);
      this.#events.upstreamError(kind);
      if (plan.pool.failed(target, this.#now())) this.#events.ejected(target);
      exchange.status = statusOf(kind);
      exchange.code = codeOf(kind);
      sendSocketProblem(socket, codeOf(kind), undefined, exchange.id);
    });
  }

  close(): void {
    this.#proxy.removeAllListeners();
  }

  /** Returns false when no target could even be picked. */
  #attempt(req: IncomingMessage, res: ServerResponse, flight: Flight): boolean {
    const { plan, exchange } = flight;
    const target = plan.pool.pick(this.#now(), flight.tried);
    if (!target) {
      this.#fail(res, flight, 'upstream-unavailable');
      return false;
    }
    flight.tried.add(target);
    flight.target = target;
    flight.timedOut = false;
    flight.attemptStartedAt = performance.now();
    exchange.upstream = target.origin.host;
    exchange.attempts = (exchange.attempts ?? 0) + 1;
    req.url = upstreamPath(target, plan);
    this.#proxy.web(req, res, proxyOptions(target, plan.connectTimeoutMs), (err) => this.#onError(err, req, res, flight, target));
    return true;
  }

  #onProxyReq(proxyReq: ClientRequest, req: IncomingMessage): void {
    const flight = (req as Carrier)[FLIGHT];
    if (!flight) return;
    flight.proxyReq = proxyReq;
    proxyReq.setTimeout(flight.plan.timeoutMs, () => {
      flight.timedOut = true;
      proxyReq.destroy();
    });
  }

  #onProxyRes(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const flight = (req as Carrier)[FLIGHT];
    if (!flight || flight.settled || flight.answered) return;
    flight.responseStarted = true;
    flight.exchange.upstreamMs = performance.now() - flight.attemptStartedAt;
    flight.exchange.status = proxyRes.statusCode;
    if (flight.target) flight.plan.pool.succeeded(flight.target);
    const headers = proxyRes.headers;
    // Blanked rather than deleted (http-proxy-3 copies no undefined header): a delete
    // would turn the headers object into a slow dictionary for everything after it.
    for (const name of HOP_BY_HOP_RESPONSE) if (headers[name] !== undefined) headers[name] = undefined;
    Object.assign(headers, flight.plan.responseHeaders);
    headers['x-request-id'] = flight.exchange.id;
    // http-proxy-3 would copy the client's Connection header, which the gateway has
    // stripped as hop-by-hop, and fall back to keep-alive: say what this connection does.
    headers.connection = this.#draining() || !res.shouldKeepAlive ? 'close' : 'keep-alive';
    proxyRes.once('error', () => {
      // Bytes have gone to the client already: the only honest signal left is a cut connection.
      flight.exchange.aborted = true;
      this.#events.upstreamError('reset');
      res.destroy();
    });
  }

  #onError(err: Error, req: IncomingMessage, res: ServerResponse, flight: Flight, target: UpstreamTarget): void {
    if (flight.settled || flight.answered) return;
    if (flight.responseStarted || res.headersSent) {
      flight.exchange.aborted = true;
      this.#events.upstreamError(flight.timedOut ? 'timeout' : 'reset');
      res.destroy();
      return;
    }
    const kind = classify(err, flight.timedOut);
    this.#events.upstreamError(kind);
    if (kind !== 'timeout' && flight.plan.pool.failed(target, this.#now())) this.#events.ejected(target);
    const again =
      flight.plan.retryable &&
      (kind === 'connect' || kind === 'connect-timeout' || kind === 'reset') &&
      flight.tried.size <= flight.plan.retries &&
      !res.destroyed;
    if (again) {
      // A target already tried is used again only if nothing else is left.
      if (flight.tried.size >= flight.plan.pool.targets.length) flight.tried.clear();
      this.#attempt(req, res, flight);
      return;
    }
    this.#fail(res, flight, codeOf(kind));
  }

  #limitBody(req: IncomingMessage, res: ServerResponse, flight: Flight): void {
    let seen = 0;
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen <= flight.plan.maxBodyBytes) return;
      req.off('data', onData);
      flight.proxyReq?.destroy();
      this.#fail(res, flight, 'request-too-large', { connection: 'close' });
    };
    req.on('data', onData);
  }

  #fail(res: ServerResponse, flight: Flight, code: ErrorCode, headers: Record<string, string> = {}): void {
    if (flight.settled || flight.answered) return;
    flight.answered = true;
    flight.exchange.code = code;
    sendProblem(res, code, undefined, flight.exchange.id, { ...flight.plan.responseHeaders, ...headers });
    flight.exchange.status = res.statusCode;
  }

  #settle(flight: Flight, res: ServerResponse): void {
    if (flight.settled) return;
    flight.settled = true;
    if (!res.writableFinished) flight.exchange.aborted = true;
    this.#events.done(flight.exchange);
  }
}

/** Sent verbatim: the upstream URL's own path, then exactly the canonical path that was authorised. */
function upstreamPath(target: UpstreamTarget, plan: ForwardPlan): string {
  const path = target.pathPrefix + plan.relativePath || '/';
  return plan.query === undefined ? path : `${path}?${plan.query}`;
}

function classify(err: Error & { code?: string }, timedOut: boolean): UpstreamFailure {
  if (timedOut) return 'timeout';
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return 'connect';
    case 'ECONNECT_TIMEOUT':
      return 'connect-timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    default:
      return 'error';
  }
}

function codeOf(kind: UpstreamFailure): ErrorCode {
  switch (kind) {
    case 'connect':
      return 'upstream-unavailable';
    case 'connect-timeout':
    case 'timeout':
      return 'upstream-timeout';
    default:
      return 'bad-gateway';
  }
}

function statusOf(kind: UpstreamFailure): number {
  return kind === 'connect' ? 503 : kind === 'timeout' || kind === 'connect-timeout' ? 504 : 502;
}
