import { KubeConfig, type EventsV1Event } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from './event-recorder.ts';
import type { ObjectEvent } from './status-events.ts';

const event = (name: string, note = 'n'): ObjectEvent => ({
  kind: 'Application',
  namespace: 'ns',
  name,
  type: 'Normal',
  reason: 'CredentialCreated',
  action: 'CreateSecret',
  note,
});

function fakeApi(delayMs = 5) {
  const sent: EventsV1Event[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    sent,
    maxInFlight: () => maxInFlight,
    api: {
      createNamespacedEvent: async ({ body }: { namespace: string; body: EventsV1Event }) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, delayMs));
        inFlight--;
        sent.push(body);
        return body;
      },
    },
  };
}

const logger = pino({ level: 'silent' });

describe('event recorder', () => {
  it('sends in the background with bounded concurrency, MicroTime and a unique name each', async () => {
    const fake = fakeApi();
    const r = new EventRecorder(new KubeConfig(), { instance: 'op-0', logger, isLeader: () => true, api: fake.api, uidOf: () => 'uid-1' });
    for (let i = 0; i < 10; i++) r.record(event(`app-${i}`));
    await r.flush();
    expect(fake.sent).toHaveLength(10);
    expect(fake.maxInFlight()).toBe(2);
    expect(new Set(fake.sent.map((e) => e.metadata!.name)).size).toBe(10);
    const json = JSON.parse(JSON.stringify(fake.sent[0]));
    expect(json.eventTime).toMatch(/\.\d{6}Z$/);
    expect(json).toMatchObject({
      reportingController: 'tollgate.dev/operator',
      reportingInstance: 'op-0',
      regarding: { kind: 'Application', uid: 'uid-1', apiVersion: 'tollgate.dev/v1alpha1' },
    });
  });

  it('suppresses an identical event within the window, and drops when not leading or too many wait', async () => {
    const fake = fakeApi();
    let leading = true;
    const results: string[] = [];
    const r = new EventRecorder(new KubeConfig(), {
      instance: 'op-0',
      logger,
      isLeader: () => leading,
      api: fake.api,
      maxQueue: 3,
      onResult: (_e, res) => results.push(res),
    });
    r.record(event('a'));
    r.record(event('a'));
    r.record(event('a', 'other note'));
    await r.flush();
    expect(fake.sent).toHaveLength(2);
    leading = false;
    for (let i = 0; i < 10; i++) r.record(event(`b-${i}`));
    await r.flush();
    expect(fake.sent).toHaveLength(2);
    expect(results.filter((x) => x === 'duplicate')).toHaveLength(1);
    expect(results.filter((x) => x === 'dropped').length).toBeGreaterThanOrEqual(10);
  });

  it("keeps the note within the API server's 1 kB", async () => {
    const fake = fakeApi(0);
    const r = new EventRecorder(new KubeConfig(), { instance: 'op-0', logger, isLeader: () => true, api: fake.api });
    r.record(event('a', 'é'.repeat(2000)));
    await r.flush();
    expect(Buffer.byteLength(fake.sent[0]!.note!)).toBeLessThanOrEqual(1024);
  });
});
