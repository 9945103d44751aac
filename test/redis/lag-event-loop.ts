/**
 * Preloaded (`node --import`) into a gateway process by the quota burst test only: every
 * `TOLLGATE_TEST_BURN_EVERY` (default 60) requests it keeps the event loop busy for
 * `TOLLGATE_TEST_BURN_MS` (default 150), in the middle of a burst, while the checks of
 * the requests before are out at Redis: a gateway swamped by a burst, on demand. It
 * measures the effect with perf_hooks.monitorEventLoopDelay; on SIGUSR2 it prints
 * `event-loop-delay {"maxMs":n,"meanMs":n}` to stderr (the delay since the last report)
 * and starts measuring afresh, so a test can bracket one burst with two signals.
 */
import { subscribe } from 'node:diagnostics_channel';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const burnMs = Number(process.env.TOLLGATE_TEST_BURN_MS ?? 150);
const every = Number(process.env.TOLLGATE_TEST_BURN_EVERY ?? 60);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

let requests = 0;
subscribe('http.server.request.start', () => {
  if (++requests % every !== 0) return;
  const until = performance.now() + burnMs;
  while (performance.now() < until) {
    // Busy on purpose: nothing else may run on this loop meanwhile.
  }
});

process.on('SIGUSR2', () => {
  const report = { maxMs: Math.round(delay.max / 1e6), meanMs: Math.round(delay.mean / 1e6) };
  delay.reset();
  process.stderr.write(`event-loop-delay ${JSON.stringify(report)}\n`);
});
