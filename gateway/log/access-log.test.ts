import { Writable } from 'node:stream';
import { pino, type LoggerOptions } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Exchange } from '../http/exchange.ts';
import { accessLogSink, hundredths, writeAccessLog } from './access-log.ts';

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ name: 'tollgate-gateway', ...options }, stream).child({ log: 'access' }), lines };
}

const settled = () => new Promise((r) => setImmediate(r));
const withoutTime = (line: string) => line.replace(/"time":\d+/, '"time":0');

const EXCHANGES: Array<{ name: string; exchange: Exchange }> = [
  {
    name: 'forwarded',
    exchange: {
      id: 'r1',
      startedAt: 0,
      method: 'GET',
      path: '/hello/1.0.0/greet',
      status: 200,
      upstreamMs: 1.23456,
      api: 'bench/hello',
      product: 'bench/gold',
      plan: 'gold',
      application: 'bench/app',
      credential: 'main',
      upstream: '127.0.0.1:1',
      attempts: 1,
    },
  },
  {
    name: 'refused',
    exchange: { id: 'r2', startedAt: 0, method: 'POST', path: '/x', status: 429, code: 'quota-exceeded', limited: 'quota', detail: 'a "quoted" detail\n' },
  },
  { name: 'not ready, no path', exchange: { id: 'r3', startedAt: 0, method: 'GET', status: 503, code: 'not-ready' } },
  { name: 'websocket cut', exchange: { id: 'r4', startedAt: 0, method: 'GET', path: '/ws/\u00e9\\\u0001', status: 101, websocket: true, aborted: true } },
  {
    name: 'an MCP tool call to an LLM API',
    exchange: {
      id: 'r6',
      startedAt: 0,
      method: 'POST',
      path: '/llm/v1/chat',
      status: 200,
      tool: 'ask',
      model: 'gpt-"x"',
      tokens: { prompt: 3, completion: 4, total: 7 },
    },
  },
  { name: 'client left', exchange: { id: 'r5', startedAt: 0, method: '', status: 499, aborted: true, upstreamMs: Number.NaN } },
];

describe('the access log sink', () => {
  it.each(EXCHANGES)('writes the same JSON line as the logger itself would: $name', async ({ exchange }) => {
    const { logger, lines } = capture();
    accessLogSink(logger).record(exchange, 0.0123456);
    writeAccessLog(logger, exchange, 12.3456);
    await settled();
    expect(lines).toHaveLength(2);
    expect(withoutTime(lines[0]!)).toBe(withoutTime(lines[1]!));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, name: 'tollgate-gateway', log: 'access', msg: 'request', reqId: exchange.id });
  });

  it.each([
    { name: "pino's default clock", options: {} },
    { name: 'another clock', options: { timestamp: pino.stdTimeFunctions.isoTime } },
  ])('writes bindings changed between two lines of one millisecond, as pino does: $name', async ({ options }) => {
    const { logger, lines } = capture(options);
    const sink = accessLogSink(logger);
    const exchange = EXCHANGES[0]!.exchange;
    const sameTime = (line: string) => line.replace(/"time":("[^"]*"|\d+)/, '"time":0');
    sink.record(exchange, 0.001);
    logger.setBindings({ zone: 'b' });
    sink.record(exchange, 0.001);
    writeAccessLog(logger, exchange, 1);
    await settled();
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('zone');
    expect(JSON.parse(lines[1]!)).toMatchObject({ zone: 'b', reqId: exchange.id });
    expect(sameTime(lines[1]!)).toBe(sameTime(lines[2]!));
  });

  it.each([
    { name: 'redaction', options: { redact: ['credential'] }, check: (line: Record<string, unknown>) => expect(line.credential).toBe('[Redacted]') },
    { name: 'a mixin', options: { mixin: () => ({ zone: 'a' }) }, check: (line: Record<string, unknown>) => expect(line.zone).toBe('a') },
    {
      name: 'a log formatter',
      options: { formatters: { log: (o: object) => ({ ...o, shaped: true }) } },
      check: (line: Record<string, unknown>) => expect(line.shaped).toBe(true),
    },
    { name: 'a level above info', options: { level: 'warn' }, check: undefined },
  ])('keeps what the logger is configured to do: $name', async ({ options, check }) => {
    const { logger, lines } = capture(options);
    accessLogSink(logger).record(EXCHANGES[0]!.exchange, 0.001);
    await settled();
    if (!check) return expect(lines).toHaveLength(0);
    expect(lines).toHaveLength(1);
    check(JSON.parse(lines[0]!) as Record<string, unknown>);
  });
});

describe('milliseconds in the access log', () => {
  // What pino writes for Math.round(ms * 100) / 100, made from integers instead.
  const asPino = (ms: number) => {
    const rounded = Math.round(ms * 100) / 100;
    return Number.isFinite(rounded) ? String(rounded) : 'null';
  };
  it.each([0, 0.004, 0.005, 0.05, 0.1, 1, 1.005, 1.015, 2.675, 10.1, 99.99, 99.995, 123456.785, 1e12, 9.99e12, 1e13, 1e15, -1, -0.004, Number.NaN, Infinity])(
    '%s ms is written as pino writes it',
    (ms) => expect(hundredths(ms)).toBe(asPino(ms)),
  );
  it('agrees with pino on 100,000 random latencies from 1 µs to 1000 s', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 100_000; i++) {
      const ms = random() * 10 ** (random() * 9 - 3);
      expect(hundredths(ms)).toBe(asPino(ms));
    }
  });
});
