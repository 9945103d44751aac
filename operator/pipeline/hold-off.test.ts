import { describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../test/support/wait.ts';
import { HoldOff } from './hold-off.ts';

describe('HoldOff', () => {
  it('runs a burst of requests once, after the window the first one opened', async () => {
    let runs = 0;
    const h = new HoldOff(
      async () => void runs++,
      30,
      () => {},
    );
    const start = performance.now();
    for (let i = 0; i < 100; i++) h.schedule();
    await waitFor('one run', () => runs === 1);
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    await h.close();
    expect(runs).toBe(1);
  });

  it('runs once more for requests that came during a run, never two at a time', async () => {
    let runs = 0;
    let concurrent = 0;
    let most = 0;
    let release: () => void = () => {};
    const h = new HoldOff(
      async () => {
        runs++;
        most = Math.max(most, ++concurrent);
        if (runs === 1) await new Promise<void>((r) => (release = r));
        concurrent--;
      },
      5,
      () => {},
    );
    h.schedule();
    await waitFor('the first run', () => runs === 1);
    h.schedule();
    h.schedule();
    // The window of the second request closes while the first run still holds.
    await sleep(30);
    expect(runs).toBe(1);
    release();
    await waitFor('the second run', () => runs === 2);
    await h.close();
    expect({ runs, most }).toEqual({ runs: 2, most: 1 });
  });

  it('reports a failed run and runs again on the next request', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const h = new HoldOff(
      async () => {
        if (++runs === 1) throw new Error('boom');
      },
      1,
      (e) => errors.push(e),
    );
    h.schedule();
    await waitFor('the failure', () => errors.length === 1);
    h.schedule();
    await waitFor('the second run', () => runs === 2);
    await h.close();
    expect(errors.map(String)).toEqual(['Error: boom']);
  });

  it('schedules nothing once closed', async () => {
    let runs = 0;
    const h = new HoldOff(
      async () => void runs++,
      1,
      () => {},
    );
    h.schedule();
    await h.close();
    h.schedule();
    await sleep(20);
    expect(runs).toBe(0);
  });
});
