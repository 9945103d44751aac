import type { Logger } from 'pino';
import type { Exchange, ExchangeSink } from '../http/exchange.ts';

/**
 * One JSON line per request. Built from the Exchange alone, which never holds a
 * key, a token or a query string, so no secret can reach the log by accident.
 */
export function writeAccessLog(logger: Logger, exchange: Exchange, latencyMs: number): void {
  logger.info(
    {
      reqId: exchange.id,
      method: exchange.method,
      path: exchange.path,
      status: exchange.status,
      latencyMs: round(latencyMs),
      upstreamMs: exchange.upstreamMs === undefined ? undefined : round(exchange.upstreamMs),
      api: exchange.api,
      product: exchange.product,
      plan: exchange.plan,
      application: exchange.application,
      credential: exchange.credential,
      code: exchange.code,
      detail: exchange.detail,
      upstream: exchange.upstream,
      attempts: exchange.attempts,
      limited: exchange.limited,
      aborted: exchange.aborted,
      websocket: exchange.websocket,
    },
    'request',
  );
}

/** The access log as one of the gateway's exchange sinks. */
export function accessLogSink(logger: Logger): ExchangeSink {
  return { record: (exchange, seconds) => writeAccessLog(logger, exchange, seconds * 1000) };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
