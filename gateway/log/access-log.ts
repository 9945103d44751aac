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
  // pino's default clock gives the same text for every line of one millisecond: made once per millisecond.
  const clock = time === pino.stdTimeFunctions.epochTime ? epochTimeOncePerMs() : time;
  return {
    stream,
    format(e, latencyMs) {
      // Read per line: pino lets bindings change (setBindings) and the clock is per line.
      let s = levelPrefix + clock() + (l[S['chindingsSym']!] as string) + ',"reqId":' + JSON.stringify(e.id) + ',"method":' + quoted(e.method);
      if (e.path !== undefined) s += ',"path":' + JSON.stringify(e.path);
      if (e.status !== undefined) s += ',"status":' + num(e.status);
      s += ',"latencyMs":' + hundredths(latencyMs);
      if (e.upstreamMs !== undefined) s += ',"upstreamMs":' + hundredths(e.upstreamMs);
      if (e.api !== undefined) s += ',"api":' + quoted(e.api);
      if (e.product !== undefined) s += ',"product":' + quoted(e.product);
      if (e.plan !== undefined) s += ',"plan":' + quoted(e.plan);
      if (e.application !== undefined) s += ',"application":' + quoted(e.application);
      if (e.credential !== undefined) s += ',"credential":' + quoted(e.credential);
      if (e.code !== undefined) s += ',"code":' + quoted(e.code);
      if (e.detail !== undefined) s += ',"detail":' + JSON.stringify(e.detail);
      if (e.upstream !== undefined) s += ',"upstream":' + quoted(e.upstream);
      if (e.attempts !== undefined) s += ',"attempts":' + num(e.attempts);
      if (e.limited !== undefined) s += ',"limited":' + quoted(e.limited);
      if (e.aborted !== undefined) s += ',"aborted":' + e.aborted;
      if (e.websocket !== undefined) s += ',"websocket":' + e.websocket;
      if (e.tool !== undefined) s += ',"tool":' + quoted(e.tool);
      if (e.model !== undefined) s += ',"model":' + quoted(e.model);
      if (e.tokens !== undefined) s += ',"tokens":' + JSON.stringify(e.tokens);
      return s + ',"msg":"request"' + end;
    },
  };
}

function epochTimeOncePerMs(): () => string {
  let at = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      text = ',"time":' + now;
    }
    return text;
  };
}

/**
 * JSON strings of the values that repeat line after line (ids of APIs, products and
 * applications, methods, codes, upstream hosts), kept rather than serialised each time;
 * bounded, emptied when full. Request ids, paths and details differ per line and are not kept.
 */
const QUOTED = new Map<string, string>();
const QUOTED_MAX = 4096;

function quoted(value: string): string {
  let json = QUOTED.get(value);
  if (json === undefined) {
    if (QUOTED.size >= QUOTED_MAX) QUOTED.clear();
    json = JSON.stringify(value);
    QUOTED.set(value, json);
  }
  return json;
}

/** As pino writes a number: a non-finite one is null. */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/**
 * `num(round(ms))`, the same text, from integers: a double's shortest decimal costs
 * several times an integer's. Outside 0..1e13 ms (never a latency) it is `num(round(ms))` itself.
 */
export function hundredths(ms: number): string {
  const c = Math.round(ms * 100);
  if (!(c >= 0 && c < 1e15)) return num(c / 100);
  const whole = Math.floor(c / 100);
  const frac = c - whole * 100;
  if (frac === 0) return String(whole);
  return frac % 10 === 0 ? whole + '.' + frac / 10 : whole + (frac < 10 ? '.0' : '.') + frac;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
