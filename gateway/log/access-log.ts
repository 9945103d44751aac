import { pino, type Logger } from 'pino';
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
      tool: exchange.tool,
      model: exchange.model,
      tokens: exchange.tokens,
    },
    'request',
  );
}

/** The access log as one of the gateway's exchange sinks. */
export function accessLogSink(logger: Logger): ExchangeSink {
  const line = preformatted(logger);
  if (!line) return { record: (exchange, seconds) => writeAccessLog(logger, exchange, seconds * 1000) };
  return {
    record(exchange, seconds) {
      if (logger.isLevelEnabled('info')) line.stream.write(line.format(exchange, seconds * 1000));
    },
  };
}

interface Preformatted {
  stream: { write(line: string): unknown };
  format(exchange: Exchange, latencyMs: number): string;
}

const S = pino.symbols as unknown as Record<string, symbol>;

/**
 * The line pino would write, put together from the known fields in their order
 * without pino's per-key loop over serializers and stringifiers; the same JSON. Only for a logger that does nothing pino's generic path would be needed for
 * (no mixin, hooks, log formatter, redaction, serializers or nesting), decided once:
 * any other gets `writeAccessLog`.
 */
function preformatted(logger: Logger): Preformatted | undefined {
  const l = logger as unknown as Record<symbol, unknown>;
  const stream = l[S['streamSym']!] as { write(line: string): unknown; [k: symbol]: unknown } | undefined;
  const hooks = l[S['hooksSym']!] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  const formatters = l[S['formattersSym']!] as { log?: unknown } | undefined;
  const stringifiers = l[S['stringifiersSym']!] as object | undefined;
  const levelPrefix = (l[S['lsCacheSym']!] as Record<number, string> | undefined)?.[logger.levels.values.info ?? 30];
  const time = l[S['timeSym']!] as (() => string) | undefined;
  if (
    !stream ||
    typeof stream.write !== 'function' ||
    stream[S['needsMetadataGsym']!] === true ||
    l[S['mixinSym']!] ||
    hooks?.logMethod ||
    hooks?.streamWrite ||
    formatters?.log ||
    (stringifiers && Object.getOwnPropertySymbols(stringifiers).length + Object.keys(stringifiers).length > 0) ||
    Object.keys((l[S['serializersSym']!] as object | undefined) ?? {}).some((k) => k !== 'err') ||
    l[S['nestedKeySym']!] ||
    l[S['msgPrefixSym']!] !== undefined ||
    l[S['messageKeySym']!] !== 'msg' ||
    typeof levelPrefix !== 'string' ||
    typeof time !== 'function' ||
    typeof l[S['chindingsSym']!] !== 'string'
  ) {
    return undefined;
  }
  const end = l[S['endSym']!] as string;
  return {
    stream,
    format(e, latencyMs) {
      // Read per line: pino lets bindings change (setBindings) and the clock is per line.
      let s = levelPrefix + time() + (l[S['chindingsSym']!] as string) + ',"reqId":' + JSON.stringify(e.id) + ',"method":' + JSON.stringify(e.method);
      if (e.path !== undefined) s += ',"path":' + JSON.stringify(e.path);
      if (e.status !== undefined) s += ',"status":' + num(e.status);
      s += ',"latencyMs":' + num(round(latencyMs));
      if (e.upstreamMs !== undefined) s += ',"upstreamMs":' + num(round(e.upstreamMs));
      if (e.api !== undefined) s += ',"api":' + JSON.stringify(e.api);
      if (e.product !== undefined) s += ',"product":' + JSON.stringify(e.product);
      if (e.plan !== undefined) s += ',"plan":' + JSON.stringify(e.plan);
      if (e.application !== undefined) s += ',"application":' + JSON.stringify(e.application);
      if (e.credential !== undefined) s += ',"credential":' + JSON.stringify(e.credential);
      if (e.code !== undefined) s += ',"code":' + JSON.stringify(e.code);
      if (e.detail !== undefined) s += ',"detail":' + JSON.stringify(e.detail);
      if (e.upstream !== undefined) s += ',"upstream":' + JSON.stringify(e.upstream);
      if (e.attempts !== undefined) s += ',"attempts":' + num(e.attempts);
      if (e.limited !== undefined) s += ',"limited":' + JSON.stringify(e.limited);
      if (e.aborted !== undefined) s += ',"aborted":' + e.aborted;
      if (e.websocket !== undefined) s += ',"websocket":' + e.websocket;
      if (e.tool !== undefined) s += ',"tool":' + JSON.stringify(e.tool);
      if (e.model !== undefined) s += ',"model":' + JSON.stringify(e.model);
      if (e.tokens !== undefined) s += ',"tokens":' + JSON.stringify(e.tokens);
      return s + ',"msg":"request"' + end;
    },
  };
}

/** As pino writes a number: a non-finite one is null. */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
