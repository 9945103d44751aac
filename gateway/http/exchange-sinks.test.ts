import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ExchangeSinks, newExchange, type Exchange, type ExchangeSink } from './exchange.ts';

function recorder(): ExchangeSink & { seen: Array<{ id: string; seconds: number }> } {
  const seen: Array<{ id: string; seconds: number }> = [];
  return { seen, record: (exchange: Exchange, seconds: number) => void seen.push({ id: exchange.id, seconds }) };
}

describe('ExchangeSinks', () => {
  it('hands the exchanges of one turn to every sink after it, in order, with the latency of when each completed', async () => {
    const [a, b] = [recorder(), recorder()];
    const sinks = new ExchangeSinks([a, b], (err) => {
      throw err;
    });
    sinks.complete(newExchange('r1', performance.now() - 50, 'GET'));
    sinks.complete(newExchange('r2', performance.now() - 10, 'GET'));
    // Time passing before the turn ends must not count in the latencies.
    const until = performance.now() + 30;
    while (performance.now() < until);
    expect(a.seen).toEqual([]);
    await nextTurn();
    for (const sink of [a, b]) {
      expect(sink.seen.map((s) => s.id)).toEqual(['r1', 'r2']);
      expect(sink.seen[0]!.seconds).toBeGreaterThanOrEqual(0.05);
      expect(sink.seen[0]!.seconds).toBeLessThan(0.075);
      expect(sink.seen[1]!.seconds).toBeLessThan(0.035);
    }
    sinks.complete(newExchange('r3', performance.now(), 'GET'));
    await nextTurn();
    expect(a.seen.map((s) => s.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('flush() delivers at once, and nothing twice', async () => {
    const a = recorder();
    const sinks = new ExchangeSinks([a], () => {});
    sinks.complete(newExchange('r1', performance.now(), 'GET'));
    sinks.flush();
    expect(a.seen.map((s) => s.id)).toEqual(['r1']);
    await nextTurn();
    expect(a.seen.map((s) => s.id)).toEqual(['r1']);
  });

  it('a sink that throws is reported; the other sinks and exchanges still get theirs', async () => {
    const a = recorder();
    const errors: unknown[] = [];
    const failing: ExchangeSink = {
      record: (exchange) => {
        if (exchange.id === 'r1') throw new Error('sink down');
      },
    };
    const sinks = new ExchangeSinks([failing, a], (err) => errors.push(err));
    sinks.complete(newExchange('r1', performance.now(), 'GET'));
    sinks.complete(newExchange('r2', performance.now(), 'GET'));
    await nextTurn();
    expect(a.seen.map((s) => s.id)).toEqual(['r1', 'r2']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sink down']);
  });
});
