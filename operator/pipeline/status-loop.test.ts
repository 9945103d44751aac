import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ObjectStatus } from '../compiler/object-status.ts';
import { emptyResources } from '../resources/types.ts';
import { ProgrammedTracker } from '../status/programmed.ts';
import { waitFor } from '../../test/support/wait.ts';
import { GatewayWait } from './gateway-wait.ts';
import { OperatorMetrics } from './operator-metrics.ts';
import { StatusLoop, type StatusJob } from './status-loop.ts';

const version = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const one = { kind: 'API', namespace: 'a', name: 'b', generation: 1, status: { conditions: [] } } as unknown as ObjectStatus;
const job = (n: number): StatusJob => ({ version: version(n), statuses: [] as ObjectStatus[], now: new Date() });

function loop(leading: { now: boolean }) {
  const written: string[] = [];
  let release: (() => void) | undefined;
  let released = false;
  const writer = {
    async write(statuses: ObjectStatus[]) {
      written.push(String(statuses.length));
      if (!released) await new Promise<void>((r) => (release = r));
      return { written: 0, unchanged: 0, gone: 0, failed: [] };
    },
  };
  const clock = () => new Date();
  const statuses = new StatusLoop({
    isLeader: () => leading.now,
    tracker: new ProgrammedTracker(),
    writer,
    reports: () => [],
    stored: emptyResources,
    wait: new GatewayWait(() => [], clock, 1_000),
    waitMs: 0,
    staleMs: 1_000,
    clock,
    metrics: new OperatorMetrics({ processMetrics: false }),
    logger: pino({ level: 'silent' }),
  });
  return {
    statuses,
    written,
    release: () => {
      released = true;
      release?.();
    },
  };
}

describe('StatusLoop', () => {
  it('writes only the newest of the sets queued behind a write in progress', async () => {
    const { statuses, written, release } = loop({ now: true });
    statuses.submit(job(1));
    await waitFor('the first write', () => written.length === 1);
    statuses.submit(job(2));
    statuses.submit({ ...job(3), statuses: [one] });
    release();
    await waitFor('the second write', () => written.length === 2);
    await statuses.close();
    expect(written).toEqual(['0', '1']);
  });

  it.each([
    { name: 'the leader writes the last set again', leading: true, writes: ['1', '1'] },
    { name: 'a follower writes nothing', leading: false, writes: [] },
  ])('rewrite: $name', async ({ leading, writes }) => {
    const { statuses, written, release } = loop({ now: leading });
    release();
    // Before any set: nothing to write again.
    statuses.rewrite();
    statuses.submit({ ...job(1), statuses: [one] });
    await statuses.idle();
    statuses.rewrite();
    await statuses.idle();
    await statuses.close();
    expect(written).toEqual(writes);
  });
});

describe('StatusLoop usage', () => {
  const sub = (): ObjectStatus => ({ kind: 'Subscription', namespace: 'a', name: 's', generation: 1, status: { observedGeneration: 1, conditions: [] } });
  const usage = { window: { start: '2026-11-30T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' }, calls: 4, quota: 10, observedAt: '2026-11-30T10:00:00.000Z' };

  it.each([
    { name: 'a readable ledger: its counts', source: async () => new Map([['a/s', { ...usage, calls: 5 }]]), want: { ...usage, calls: 5 } },
    {
      name: 'the same count: the stored usage, read time included (no write)',
      source: async () => new Map([['a/s', { ...usage, observedAt: '2026-11-30T10:00:30.000Z' }]]),
      want: usage,
    },
    {
      name: 'an unreadable ledger: the stored usage kept',
      source: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      want: usage,
    },
  ])('$name', async ({ source, want }) => {
    const written: unknown[] = [];
    const clock = () => new Date();
    const stored = emptyResources();
    stored.subscriptions.push({
      apiVersion: 'tollgate.dev/v1alpha1',
      kind: 'Subscription',
      metadata: { name: 's', namespace: 'a', generation: 1 },
      spec: { application: 'x', product: { name: 'p' } },
      status: { conditions: [], usage },
    } as unknown as ReturnType<typeof emptyResources>['subscriptions'][number]);
    const statuses = new StatusLoop({
      isLeader: () => true,
      tracker: new ProgrammedTracker(),
      writer: {
        async write(s: ObjectStatus[]) {
          written.push(s[0]!.status.usage);
          return { written: 1, unchanged: 0, gone: 0, failed: [] };
        },
      },
      reports: () => [],
      stored: () => stored,
      wait: new GatewayWait(() => [], clock, 1_000),
      waitMs: 0,
      staleMs: 1_000,
      clock,
      metrics: new OperatorMetrics({ processMetrics: false }),
      logger: pino({ level: 'silent' }),
      usage: source,
    });
    statuses.submit({ ...job(1), statuses: [sub()] });
    await statuses.idle();
    await statuses.close();
    expect(written).toEqual([want]);
  });
});
