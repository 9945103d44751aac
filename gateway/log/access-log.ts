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
  const tail = [',"msg":"request"', l[S['endSym']!] as string].join('');
  const head = lineHead(levelPrefix, time, () => l[S['chindingsSym']!] as string);
  return {
    stream,
    // Each `+` of a long string adds a node that the write has to walk to flatten the
    // batch: repeating values come as whole flat `,"name":value` pieces, one node each.
    format(e, latencyMs) {
      let s = head() + JSON.stringify(e.id) + METHOD.of(e.method);
      if (e.path !== undefined) s += ',"path":' + JSON.stringify(e.path);
      if (e.status !== undefined) s += STATUS.of(e.status);
      s += ',"latencyMs":' + hundredths(latencyMs);
      if (e.upstreamMs !== undefined) s += ',"upstreamMs":' + hundredths(e.upstreamMs);
      if (e.api !== undefined) s += API.of(e.api);
      if (e.product !== undefined) s += PRODUCT.of(e.product);
      if (e.plan !== undefined) s += PLAN.of(e.plan);
      if (e.application !== undefined) s += APPLICATION.of(e.application);
      if (e.credential !== undefined) s += CREDENTIAL.of(e.credential);
      if (e.code !== undefined) s += CODE.of(e.code);
      if (e.detail !== undefined) s += ',"detail":' + JSON.stringify(e.detail);
      if (e.upstream !== undefined) s += UPSTREAM.of(e.upstream);
      if (e.attempts !== undefined) s += ATTEMPTS.of(e.attempts);
      if (e.limited !== undefined) s += LIMITED.of(e.limited);
      if (e.aborted !== undefined) s += ',"aborted":' + e.aborted;
      if (e.websocket !== undefined) s += ',"websocket":' + e.websocket;
      if (e.tool !== undefined) s += TOOL.of(e.tool);
      if (e.model !== undefined) s += MODEL.of(e.model);
      if (e.tokens !== undefined) s += ',"tokens":' + JSON.stringify(e.tokens);
      return s + tail;
    },
  };
}

/**
 * The line up to the request id's value: level, time, the logger's bindings. With
 * pino's default clock it is the same text for every line of one millisecond and made
 * once per millisecond; bindings are read per line, as pino lets them change (setBindings).
 */
function lineHead(levelPrefix: string, time: () => string, chindings: () => string): () => string {
  if (time !== pino.stdTimeFunctions.epochTime) return () => levelPrefix + time() + chindings() + ',"reqId":';
  let at = -1;
  let bindings = '';
  let text = '';
  return () => {
    const now = Date.now();
    const current = chindings();
    if (now !== at || current !== bindings) {
      at = now;
      bindings = current;
      text = [levelPrefix, ',"time":', now, current, ',"reqId":'].join('');
    }
    return text;
  };
}

/**
 * `,"name":value` for one field's values that repeat line after line (ids of APIs,
 * products and applications, methods, codes, upstream hosts, statuses), made once as a
 * flat string (joined, not added) rather than serialised each time; bounded, emptied
 * when full. Request ids, paths and details differ per line and are not kept.
 */
class FieldText<T extends string | number> {
  static readonly MAX = 4096;
  readonly #key: string;
  readonly #texts = new Map<T, string>();

  constructor(name: string) {
    this.#key = `,"${name}":`;
  }

  of(value: T): string {
    let text = this.#texts.get(value);
    if (text === undefined) {
      if (this.#texts.size >= FieldText.MAX) this.#texts.clear();
      text = [this.#key, typeof value === 'number' ? num(value) : JSON.stringify(value)].join('');
      this.#texts.set(value, text);
    }
    return text;
  }
}

const METHOD = new FieldText<string>('method');
const STATUS = new FieldText<number>('status');
const API = new FieldText<string>('api');
const PRODUCT = new FieldText<string>('product');
const PLAN = new FieldText<string>('plan');
const APPLICATION = new FieldText<string>('application');
const CREDENTIAL = new FieldText<string>('credential');
const CODE = new FieldText<string>('code');
const UPSTREAM = new FieldText<string>('upstream');
const ATTEMPTS = new FieldText<number>('attempts');
const LIMITED = new FieldText<string>('limited');
const TOOL = new FieldText<string>('tool');
const MODEL = new FieldText<string>('model');

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
