import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ERRORS } from '../errors/error-codes.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { newExchange, type Exchange, type ExchangeSinks } from '../http/exchange.ts';
import { requestIds } from '../http/request-id.ts';
import { sendProblem, sendSocketProblem } from '../http/respond.ts';
import { RequestContext, type PipelineServices } from '../pipeline/request-context.ts';
import { REQUEST_STEPS } from '../pipeline/request-steps.ts';
import { runSteps } from '../pipeline/run-steps.ts';
import type { Connections } from './connections.ts';
import type { ServingState } from './serving-state.ts';

/** Logged, never sent: the client closed the connection before any response. */
const CLIENT_CLOSED_REQUEST = 499;

/** Takes each request and upgrade through the steps, refuses what they refuse, and hands every finished exchange to the sinks. */
export class RequestHandler {
  readonly #state: ServingState;
  readonly #services: PipelineServices;
  readonly #sinks: ExchangeSinks;
  readonly #connections: Connections;
  readonly #logger: Logger;
  readonly #nextId = requestIds();

  constructor(state: ServingState, services: PipelineServices, sinks: ExchangeSinks, connections: Connections, logger: Logger) {
    this.#state = state;
    this.#services = services;
    this.#sinks = sinks;
    this.#connections = connections;
    this.#logger = logger;
  }

  #finish(exchange: Exchange): void {
    this.#sinks.complete(exchange);
  }

  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const exchange = newExchange(this.#nextId(), performance.now(), req.method ?? '');
    const socket = req.socket;
    const written = socket.bytesWritten;
    this.#connections.requestStarted(socket, res, exchange);
    const runtime = this.#state.runtime;
    const ctx = runtime && new RequestContext(req, res, undefined, undefined, runtime, this.#services, exchange);
    // The request's only close listener ('close' comes once, so no `once` wrapper): it also tells the forwarding.
    res.on('close', () => {
      this.#connections.requestEnded(socket);
      // Nothing was sent: the client left first (nginx's 499), whatever status was planned.
      if (!res.headersSent) exchange.status = CLIENT_CLOSED_REQUEST;
      else exchange.status ??= res.statusCode;
      if (!res.writableFinished) exchange.aborted = true;
      exchange.bytesIn = Number(req.headers['content-length']) || 0;
      // What went to the client for this response, headers included (exact unless requests are pipelined).
      exchange.bytesOut = socket.bytesWritten - written;
      this.#finish(exchange);
      ctx?.flight?.clientClosed();
    });
    if (this.#state.draining) res.setHeader('connection', 'close');
    if (!ctx) {
      exchange.code = 'not-ready';
      sendProblem(res, 'not-ready', undefined, exchange.id, { 'retry-after': '1' });
      return;
    }
    this.#run(ctx);
  }

  onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const exchange = newExchange(this.#nextId(), performance.now(), req.method ?? '', true);
    socket.on('error', () => socket.destroy());
    this.#connections.upgraded(socket);
    const runtime = this.#state.runtime;
    if (!runtime || this.#state.draining) return this.#refuseSocket(socket, exchange, 'not-ready', undefined, {});
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return this.#refuseSocket(socket, exchange, 'bad-request', 'only WebSocket upgrades are proxied', {});
    }
    this.#run(new RequestContext(req, undefined, socket, head, runtime, this.#services, exchange));
  }

  #run(ctx: RequestContext): void {
    let pending;
    try {
      pending = runSteps(REQUEST_STEPS, ctx);
    } catch (err) {
      this.#refuse(ctx, err);
      return;
    }
    if (pending !== undefined) pending.then(undefined, (err: unknown) => this.#refuse(ctx, err));
  }

  /** The one place a refusal is recorded and answered; anything but a GatewayError is a bug, logged and answered 500. */
  #refuse(ctx: RequestContext, err: unknown): void {
    const exchange = ctx.exchange;
    let code: GatewayError['code'] = 'internal-error';
    let detail: string | undefined;
    let headers: Record<string, string> = {};
    if (err instanceof GatewayError) {
      ({ code, detail, headers } = err);
      if (detail) exchange.detail = detail;
    } else {
      this.#logger.error({ err, reqId: exchange.id }, 'request failed inside the gateway');
    }
    exchange.code = code;
    if (ctx.res) sendProblem(ctx.res, code, detail, exchange.id, headers);
    else this.#refuseSocket(ctx.socket!, exchange, code, detail, headers);
  }

  #refuseSocket(socket: Socket, exchange: Exchange, code: GatewayError['code'], detail: string | undefined, headers: Record<string, string>): void {
    exchange.status = ERRORS[code].status;
    sendSocketProblem(socket, code, detail, exchange.id, headers);
    this.#finish(exchange);
  }
}
