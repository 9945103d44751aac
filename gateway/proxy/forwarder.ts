import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import type { Dispatcher } from 'undici';
import { mergeVary } from '../cors/vary.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import type { Exchange } from '../http/exchange.ts';
import { sendProblem, sendSocketProblem } from '../http/respond.ts';
import { CoarseTimers, type CoarseTimer } from './coarse-timers.ts';
import type { UpstreamPool, UpstreamTarget } from './upstream-pool.ts';

export interface ForwardPlan {
  pool: UpstreamPool;
  /** The canonical path relative to the API's base path: `''` or `/...`. */
  relativePath: string;
  /** The query to forward (credential parameter removed), without `?`. */
  query: string | undefined;
  /** The request headers the upstream gets (the client's own stay on the request); `host` is set per attempt. */
  headers: IncomingHttpHeaders;
  connectTimeoutMs: number;
  /** The longest the upstream may stay silent during its response, and the longest all attempts together may take before it. */
  timeoutMs: number;
  /** Extra attempts; used only when `retryable`. A request makes at most `1 + retries` in all. */
  retries: number;
  /** The request has a body to stream upstream. */
  hasBody: boolean;
  /** Idempotent and without a body: safe to send again, since nothing reached the client yet. */
  retryable: boolean;
  /** Headers the gateway adds to the client's response (limits, deprecation). */
  responseHeaders: Record<string, string>;
  /** The API has a CORS policy: the gateway's `Access-Control-*` answer replaces the upstream's, so a refused origin learns nothing. */
  ownsCors: boolean;
  maxBodyBytes: number;
  /** The API's response header rules (gateway/policies), applied to the upstream's headers before the gateway's own. */
  rewriteResponse?: ((headers: OutgoingHttpHeaders) => void) | undefined;
  /** Watch the upstream's answer go by (the response cache, an LLM API's token meter). */
  observers: readonly ResponseObserver[];
  /** The body already read by a step (validation), sent instead of the request's stream. */
  body?: Buffer;
}

/**
 * Told of the upstream's answer as it passes to the client; it never changes or holds
 * up a byte. Each one started hears `end` exactly once, `complete` false when the
 * response was cut (by the upstream, the client or the gateway).
 */
export interface ResponseObserver {
  /**
   * `upstream`: the headers as received. `forwarded`: as the client gets them before the
   * gateway adds its own (hop-by-hop removed, response rules applied); the forwarder
   * goes on to change that object, so an observer that keeps it copies it.
   */
  start(status: number, upstream: IncomingHttpHeaders, forwarded: OutgoingHttpHeaders): void;
  data(chunk: Buffer): void;
  end(complete: boolean): void;
}

export interface ForwarderEvents {
  ejected(target: UpstreamTarget): void;
  upstreamError(kind: UpstreamFailure): void;
  /** Called once per WebSocket exchange, when its socket closes (HTTP exchanges end with their response). */
  done(exchange: Exchange): void;
}

/** What has to hear that the client's response closed (finished or cut). */
export interface ClientCloseListener {
  clientClosed(): void;
}

export type UpstreamFailure = 'connect' | 'connect-timeout' | 'timeout' | 'reset' | 'error';

// Response headers that describe the upstream's connection or framing, not the
// response: Node frames the response to the client itself.
const HOP_BY_HOP_RESPONSE = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'trailer', 'transfer-encoding']);

/** Every flight's deadlines, on one ticking timer rather than one Node timer per attempt. */
const timers = new CoarseTimers();

const NONE_TRIED: ReadonlySet<UpstreamTarget> = new Set();

const WS_FLIGHT = Symbol('tollgate.wsFlight');
type WsCarrier = IncomingMessage & { [WS_FLIGHT]?: { upgraded: boolean } };

/**
 * Forwards requests to an API's upstream and decides which target, how long to
 * wait, whether to try again, and what the client is told when the upstream fails.
 *
 * HTTP goes through undici's dispatcher: its handler callbacks hand over status,
 * headers and body chunks with no streams or per-request agent bookkeeping in
 * between, which costs half the CPU of http-proxy-3 over `http.request` for the
 * same work (bench/gateway: "bare undici" beside "bare http-proxy-3"). WebSocket
 * upgrades, rare and long-lived, stay with http-proxy-3.
 *
 * The path is sent verbatim in both: no URL parser gets to resolve it again,
 * which is exactly the rewriting that canonicalisation exists to rule out.
 */
export class Forwarder {
  readonly #ws = createProxyServer({ xfwd: false, toProxy: true, changeOrigin: true, prependPath: false });
  readonly events: ForwarderEvents;
  readonly now: () => number;
  readonly draining: () => boolean;

  constructor(events: ForwarderEvents, now: () => number, draining: () => boolean) {
    this.events = events;
    this.now = now;
    this.draining = draining;
    this.#ws.on('proxyReqWs', (proxyReq, req) => {
      const flight = (req as WsCarrier)[WS_FLIGHT];
      if (flight) proxyReq.once('upgrade', () => (flight.upgraded = true));
    });
    this.#ws.on('error', () => {});
  }

  /** The caller tells the flight when `res` closes (`clientClosed`), from the one close listener it has anyway. */
  web(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan, exchange: Exchange): ClientCloseListener {
    const flight = new Flight(this, req, res, plan, exchange);
    flight.attempt();
    return flight;
  }

  ws(req: IncomingMessage, socket: Socket, head: Buffer, plan: ForwardPlan, exchange: Exchange): void {
    const target = plan.pool.pick(this.now(), new Set());
    if (!target) {
      sendSocketProblem(socket, 'upstream-unavailable', undefined, exchange.id);
      return;
    }
    req.url = upstreamPath(target, plan);
    // http-proxy-3 sends the upgrade with the request's own headers.
    req.headers = plan.headers;
    exchange.upstream = target.host;
    exchange.status = 101;
    const flight = { upgraded: false };
    (req as WsCarrier)[WS_FLIGHT] = flight;
    socket.once('close', () => this.events.done(exchange));
    this.#ws.ws(req, socket, head, { target: target.origin, agent: target.wsAgent, connectTimeout: plan.connectTimeoutMs }, (err) => {
      if (flight.upgraded) {
        socket.destroy();
        return;
      }
      const kind = classify(err);
      this.events.upstreamError(kind);
      if (plan.pool.failed(target, this.now())) this.events.ejected(target);
      exchange.status = statusOf(kind);
      exchange.code = codeOf(kind);
      sendSocketProblem(socket, codeOf(kind), undefined, exchange.id);
    });
  }

  close(): void {
    this.#ws.removeAllListeners();
  }
}

/**
 * One request on its way upstream and back, across its attempts; it is also the
 * undici handler of each attempt (a class rather than closures: tens of thousands
 * a second, each allocation counts).
 */
class Flight implements Dispatcher.DispatchHandler, CoarseTimer {
  timerDeadline = Infinity;
  timerSlot = -1;
  timerIndex = 0;
  readonly #forwarder: Forwarder;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #plan: ForwardPlan;
  readonly #exchange: Exchange;
  /** Targets tried by earlier attempts; made on the first retry, which most flights never have. */
  #tried: Set<UpstreamTarget> | undefined;
  #target: UpstreamTarget | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #attempts = 0;
  #attemptStartedAt = 0;
  /** Until a response starts, every attempt and the pauses between them share one deadline. */
  #deadline = 0;
  /**
   * What the timer allows when the upstream shows a sign of life: until a response
   * starts, what the first attempt had of the deadline; after, the silence timeout
   * (undici's own parser timers tick in whole seconds). The timer is also the pause before a retry.
   */
  #silenceMs = 0;
  #retryPending = false;
  #timedOut = false;
  #bodyBytes = 0;
  #responseStarted = false;
  /** The plan's observers have been started and not yet ended. */
  #observing = false;
  /** The gateway has answered the client itself; later upstream events are ignored. */
  #answered = false;
  /** The client's side is closed (finished or gone). */
  #settled = false;

  constructor(forwarder: Forwarder, req: IncomingMessage, res: ServerResponse, plan: ForwardPlan, exchange: Exchange) {
    this.#forwarder = forwarder;
    this.#req = req;
    this.#res = res;
    this.#plan = plan;
    this.#exchange = exchange;
  }

  timerFired(): void {
    if (!this.#retryPending) this.timedOut();
    else {
      this.#retryPending = false;
      this.attempt();
    }
  }

  /** Restarts the timer, if it runs, for the full silence allowed. */
  #refresh(): void {
    if (this.timerDeadline !== Infinity) timers.arm(this, this.#silenceMs);
  }

  attempt(): void {
    if (this.#settled || this.#answered) return;
    const plan = this.#plan;
    // A target already tried is used again only when nothing else is left; the attempt count bounds the total.
    let tried = this.#tried;
    if (this.#target !== undefined) {
      tried ??= this.#tried = new Set([this.#target]);
      if (tried.size >= plan.pool.targets.length) tried.clear();
    }
    const target = plan.pool.pick(this.#forwarder.now(), tried ?? NONE_TRIED);
    if (!target) {
      this.#fail('upstream-unavailable');
      return;
    }
    tried?.add(target);
    this.#target = target;
    this.#controller = undefined;
    this.#timedOut = false;
    this.#attemptStartedAt = performance.now();
    if (this.#attempts++ === 0) this.#deadline = this.#attemptStartedAt + plan.timeoutMs;
    this.#silenceMs = this.#deadline - this.#attemptStartedAt;
    timers.armAt(this, this.#deadline);
    this.#exchange.upstream = target.host;
    this.#exchange.attempts = (this.#exchange.attempts ?? 0) + 1;
    const headers = plan.headers;
    headers.host = target.host;
    target.client.dispatch(
      {
        path: upstreamPath(target, plan),
        method: this.#req.method as Dispatcher.HttpMethod,
        headers: headers as Record<string, string | string[]>,
        body: plan.body ?? (plan.hasBody ? this.#req : null),
        headersTimeout: 0,
        bodyTimeout: 0,
        // Whether to send again is this class's decision, made per attempt.
        idempotent: false,
      },
      this,
    );
  }

  /** The upstream has been silent for the plan's timeout, before or during its response. */
  timedOut(): void {
    this.#timedOut = true;
    const timeout = Object.assign(new Error('the upstream was silent too long'), { code: 'TOLLGATE_UPSTREAM_TIMEOUT' });
    // Not connected yet: the connect timeout is still running, but the client has waited long enough.
    if (this.#controller) this.#controller.abort(timeout);
    else this.onResponseError(undefined, timeout);
  }

  clientClosed(): void {
    timers.disarm(this);
    this.#settled = true;
    // The client went away before its response was complete: stop the upstream work.
    if (!this.#res.writableFinished) {
      this.#endObservers(false);
      this.#controller?.abort(new Error('client closed'));
    }
  }

  #endObservers(complete: boolean): void {
    if (!this.#observing) return;
    this.#observing = false;
    for (const observer of this.#plan.observers) observer.end(complete);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#answered || (this.#settled && !this.#res.writableFinished)) controller.abort(new Error('no longer wanted'));
  }

  /**
   * Each chunk of the request body as it goes upstream. An upload in progress is
   * not silence. A chunked upload's size is only known as it arrives: counted here
   * rather than with a 'data' listener of our own, which would start the body
   * flowing before undici reads it and lose the first chunks.
   */
  onBodySent(chunk: Buffer): void {
    this.#refresh();
    this.#bodyBytes += chunk.length;
    if (this.#bodyBytes <= this.#plan.maxBodyBytes) return;
    this.#fail('request-too-large', { connection: 'close' });
    this.#controller?.abort(new Error('request body too large'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // 1xx (100-continue, 103 early hints): Node has answered the client's `Expect` itself.
    // Answered already, by this flight or by the server (a request timeout while the body was on its way).
    if (statusCode < 200 || this.#settled || this.#answered || this.#res.headersSent) {
      if (statusCode >= 200) controller.abort(new Error('no longer wanted'));
      return;
    }
    const res = this.#res;
    const plan = this.#plan;
    const exchange = this.#exchange;
    // From here the timeout is for silence, in full, not what the attempts before left of it.
    this.#silenceMs = plan.timeoutMs;
    timers.arm(this, plan.timeoutMs);
    exchange.upstreamMs = performance.now() - this.#attemptStartedAt;
    if (this.#target) plan.pool.succeeded(this.#target);
    const out: OutgoingHttpHeaders = {};
    for (const name in headers) {
      if (HOP_BY_HOP_RESPONSE.has(name) || (plan.ownsCors && name.startsWith('access-control-'))) continue;
      out[name] = headers[name];
    }
    // The API's response header rules see the upstream's headers only: the gateway's own are set after.
    plan.rewriteResponse?.(out);
    if (plan.observers.length) {
      this.#observing = true;
      for (const observer of plan.observers) observer.start(statusCode, headers, out);
    }
    for (const name in plan.responseHeaders) out[name] = name === 'vary' ? mergeVary(out.vary, plan.responseHeaders[name]!) : plan.responseHeaders[name];
    out['x-request-id'] = exchange.id;
    out.connection = this.#forwarder.draining() || !res.shouldKeepAlive ? 'close' : 'keep-alive';
    // Headers Node refuses to send throw here; undici then ends the attempt with
    // that error, and the client gets a 502 since nothing has reached it yet.
    if (statusMessage) res.writeHead(statusCode, statusMessage, out);
    else res.writeHead(statusCode, out);
    this.#responseStarted = true;
    exchange.status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#refresh();
    if (this.#settled) return;
    if (this.#observing) for (const observer of this.#plan.observers) observer.data(chunk);
    if (!this.#res.write(chunk)) {
      controller.pause();
      this.#res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    timers.disarm(this);
    if (this.#settled) return;
    this.#endObservers(true);
    this.#res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error & { code?: string }): void {
    timers.disarm(this);
    this.#endObservers(false);
    if (this.#settled || this.#answered) return;
    const res = this.#res;
    const plan = this.#plan;
    const forwarder = this.#forwarder;
    if (!this.#responseStarted && res.headersSent) return;
    if (this.#responseStarted) {
      // Bytes have gone to the client already: the only honest signal left is a cut connection.
      this.#exchange.aborted = true;
      forwarder.events.upstreamError(this.#timedOut ? 'timeout' : 'reset');
      res.destroy();
      return;
    }
    const kind = this.#timedOut ? 'timeout' : classify(err);
    forwarder.events.upstreamError(kind);
    const target = this.#target!;
    if (kind !== 'timeout' && plan.pool.failed(target, forwarder.now())) forwarder.events.ejected(target);
    if (plan.retryable && (kind === 'connect' || kind === 'connect-timeout' || kind === 'reset') && this.#attempts <= plan.retries && !res.destroyed) {
      const pause = retryPause(this.#attempts, plan.connectTimeoutMs);
      if (performance.now() + pause < this.#deadline) {
        this.#controller = undefined;
        this.#retryPending = true;
        timers.arm(this, pause);
        return;
      }
    }
    this.#fail(codeOf(kind));
  }

  #fail(code: ErrorCode, headers: Record<string, string> = {}): void {
    timers.disarm(this);
    this.#retryPending = false;
    if (this.#settled || this.#answered || this.#res.headersSent) return;
    this.#answered = true;
    this.#exchange.code = code;
    sendProblem(this.#res, code, undefined, this.#exchange.id, { ...this.#plan.responseHeaders, ...headers });
    this.#exchange.status = this.#res.statusCode;
  }
}

const RETRY_PAUSE_MS = 25;
const MAX_RETRY_PAUSE_MS = 250;

/**
 * The pause before retry `n` (1-based): doubling from 25 ms up to 250 ms, never more
 * than a quarter of the connect timeout, jittered so that requests failing together
 * do not come back together.
 */
function retryPause(n: number, connectTimeoutMs: number): number {
  const ceiling = Math.min(RETRY_PAUSE_MS * 2 ** (n - 1), MAX_RETRY_PAUSE_MS, connectTimeoutMs / 4);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Sent verbatim: the upstream URL's own path, then exactly the canonical path that was authorised. */
function upstreamPath(target: UpstreamTarget, plan: ForwardPlan): string {
  const path = target.pathPrefix + plan.relativePath || '/';
  return plan.query === undefined ? path : `${path}?${plan.query}`;
}

function classify(err: Error & { code?: string }): UpstreamFailure {
  switch (err.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EAI_AGAIN':
      return 'connect';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ECONNECT_TIMEOUT':
      return 'connect-timeout';
    case 'UND_ERR_SOCKET':
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
