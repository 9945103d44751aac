import type { ErrorCode } from '../errors/error-codes.ts';
import type { ExchangeSink } from '../http/exchange.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';

const AUTH_CODES = new Set<ErrorCode>([
  'ambiguous-credentials',
  'credentials-missing',
  'credentials-invalid',
  'credentials-expired',
  'credentials-revoked',
  'application-suspended',
  'not-subscribed',
  'insufficient-scope',
]);
const LIMIT_CODES = new Set<ErrorCode>(['quota-exceeded', 'rate-limited', 'token-quota-exceeded', 'limits-unavailable']);

/** The per-request metrics as one of the gateway's exchange sinks. */
export function metricsSink(metrics: GatewayMetrics): ExchangeSink {
  return {
    record(exchange, seconds) {
      metrics.request(
        exchange.api ?? '',
        exchange.product ?? '',
        exchange.status ?? 0,
        seconds,
        exchange.upstreamMs === undefined ? undefined : exchange.upstreamMs / 1000,
      );
      if (exchange.code && AUTH_CODES.has(exchange.code)) metrics.authFailure(exchange.code);
      if (exchange.code && LIMIT_CODES.has(exchange.code)) metrics.limitRejected(exchange.product ?? '', exchange.limited ?? exchange.code);
    },
  };
}
