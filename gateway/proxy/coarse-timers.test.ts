import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.ts';
import { CoarseTimers, TICK_MS, type CoarseTimer } from './coarse-timers.ts';

class Probe implements CoarseTimer {
  timerDeadline = Infinity;
  timerSlot = -1;
  timerIndex = 0;
  firedAt: number[] = [];
  readonly clock: { now: number };
  constructor(clock: { now: number }) {
    this.clock = clock;
  }
  timerFired(): void {
    this.firedAt.push(this.clock.now);
  }
}

type Step = { at: number; do: (wheel: CoarseTimers, probe: Probe) => void } | { at: number; run: true };

/** Drives the wheel with its own clock, `runDue` once per millisecond up to `until`, and reports when the probe fired. */
function drive(steps: Step[], until: number): number[] {
  const clock = { now: 1_000 };
  const wheel = new CoarseTimers(() => clock.now, false);
  const probe = new Probe(clock);
  for (let t = 1_000; t <= until; t++) {
    clock.now = t;
    for (const step of steps) if (step.at === t && 'do' in step) step.do(wheel, probe);
    wheel.runDue(t);
  }
  return probe.firedAt;
}

describe('CoarseTimers', () => {
  it.each([
    { name: 'fires once, not before its deadline and within a tick of it', steps: [{ at: 1_000, do: (w, p) => w.arm(p, 95) }], until: 1_500, fired: [1_100] },
    {
      name: 'a disarmed timer never fires',
      steps: [
        { at: 1_000, do: (w, p) => w.arm(p, 50) },
        { at: 1_030, do: (w, p) => w.disarm(p) },
      ],
      until: 1_500,
      fired: [],
    },
    {
      name: 'refreshing to later postpones it (lazily, from its old slot)',
      steps: [
        { at: 1_000, do: (w, p) => w.arm(p, 50) },
        { at: 1_040, do: (w, p) => w.arm(p, 50) },
        { at: 1_080, do: (w, p) => w.arm(p, 50) },
      ],
      until: 1_500,
      fired: [1_130],
    },
    {
      name: 're-arming to earlier brings it forward',
      steps: [
        { at: 1_000, do: (w, p) => w.arm(p, 400) },
        { at: 1_010, do: (w, p) => w.arm(p, 20) },
      ],
      until: 1_600,
      fired: [1_030],
    },
    {
      name: 'disarmed then armed again in the same slot fires once',
      steps: [
        { at: 1_000, do: (w, p) => w.arm(p, 50) },
        { at: 1_010, do: (w, p) => w.disarm(p) },
        { at: 1_020, do: (w, p) => w.armAt(p, 1_050) },
      ],
      until: 1_500,
      fired: [1_050],
    },
    {
      name: 'a deadline beyond the wheel waits in its last slot and still fires on time',
      steps: [{ at: 1_000, do: (w, p) => w.arm(p, 20_000) }],
      until: 21_100,
      fired: [21_000],
    },
    {
      name: 'fired, then armed again, fires again',
      steps: [
        { at: 1_000, do: (w, p) => w.arm(p, 10) },
        { at: 1_100, do: (w, p) => w.arm(p, 10) },
      ],
      until: 1_300,
      fired: [1_010, 1_110],
    },
  ] satisfies Array<{ name: string; steps: Step[]; until: number; fired: number[] }>)('$name', ({ steps, until, fired }) => {
    expect(drive(steps, until)).toEqual(fired);
  });

  it('lets go of a disarmed timer at once, not when its slot comes up', () => {
    const clock = { now: 0 };
    const wheel = new CoarseTimers(() => clock.now, false);
    const probes = Array.from({ length: 1_000 }, () => new Probe(clock));
    for (const [i, probe] of probes.entries()) wheel.arm(probe, 1_000 + i);
    expect(wheel.held).toBe(1_000);
    for (const probe of probes) wheel.disarm(probe);
    expect(wheel.held).toBe(0);
  });

  it('fires what is due after a stall longer than the whole wheel', () => {
    const clock = { now: 0 };
    const wheel = new CoarseTimers(() => clock.now, false);
    const probe = new Probe(clock);
    wheel.arm(probe, 30);
    clock.now = 60_000;
    wheel.runDue(clock.now);
    expect(probe.firedAt).toEqual([60_000]);
  });

  it('ticks by itself on the real clock', async () => {
    const wheel = new CoarseTimers();
    const clock = { now: 0 };
    const probe = new Probe(clock);
    const armed = performance.now();
    wheel.arm(probe, 30);
    await waitFor('the timer to fire', () => probe.firedAt.length === 1);
    const waited = performance.now() - armed;
    expect(waited).toBeGreaterThanOrEqual(30 - 1);
    expect(waited).toBeLessThan(30 + 20 * TICK_MS);
  });
});
