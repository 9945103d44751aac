import type { ExchangeSink } from '../http/exchange.ts';
import type { Step } from './run-steps.ts';

/**
 * Opt-in (TOLLGATE_STEP_TIMING=1): the time each request step and each exchange sink
 * takes, summed with process.hrtime.bigint() and written to stderr as one JSON line
 * when the process exits. The timed variants are chosen once at startup, so a
 * gateway without the variable runs the plain steps and pays nothing for this.
 */
export const STEP_TIMING = process.env.TOLLGATE_STEP_TIMING === '1';

interface Tally {
  ns: bigint;
  calls: number;
}

const tallies = new Map<string, Tally>();

function tally(name: string): Tally {
  let t = tallies.get(name);
  if (!t) {
    tallies.set(name, (t = { ns: 0n, calls: 0 }));
    if (tallies.size === 1) process.once('exit', report);
  }
  return t;
}

/** Each step's synchronous part; a step that waits (Redis, a JWKS fetch) is timed up to its promise, which is its own CPU. */
export function timedSteps(steps: readonly Step[]): readonly Step[] {
  return Object.freeze(
    steps.map((step) => {
      const t = tally(step.name.replace(/Step$/, ''));
      return (ctx: Parameters<Step>[0]) => {
        const start = process.hrtime.bigint();
        try {
          return step(ctx);
        } finally {
          t.ns += process.hrtime.bigint() - start;
          t.calls++;
        }
      };
    }),
  );
}

export function timedSinks(sinks: ReadonlyArray<{ name: string; sink: ExchangeSink }>): ExchangeSink[] {
  return sinks.map(({ name, sink }) => {
    const t = tally(`complete:${name}`);
    return {
      record(exchange, seconds) {
        const start = process.hrtime.bigint();
        try {
          sink.record(exchange, seconds);
        } finally {
          t.ns += process.hrtime.bigint() - start;
          t.calls++;
        }
      },
    };
  });
}

/** Microseconds per call of each step, and how many calls, in the order they run. */
export function stepTimes(): Record<string, { us: number; calls: number }> {
  const out: Record<string, { us: number; calls: number }> = {};
  for (const [name, t] of tallies) out[name] = { us: t.calls ? Number(t.ns) / 1000 / t.calls : 0, calls: t.calls };
  return out;
}

function report(): void {
  process.stderr.write(`${JSON.stringify({ stepTiming: stepTimes() })}\n`);
}
