// The latencies bench/operator measures (kubectl apply -> first 200 with the new
// key, kubectl delete subscription -> first 403), over fewer tries and with a
// bound generous enough for a busy 2-core CI machine; the target (p95 <= 1 s)
// is the benchmark's to report. Real operator and gateway processes.
import { beforeAll, describe, expect, it } from 'vitest';
import { measure, summary } from '../../bench/operator/measure.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { useOperatorAndGateway } from './support/operator-gateway-processes.ts';

const env = useControlPlane();
const TRIES = 8;
const BOUND_MS = 5_000;
const run = useOperatorAndGateway(env, { identity: 'latency-operator', replica: 'gw-latency', operator: { leaseRetryMs: 500 } });

beforeAll(async () => {
  await run.operator.waitFor('became leader');
}, 120_000);

describe('latency through kubectl, the operator and a gateway', () => {
  it('apply -> first 200 and delete subscription -> first 403 stay well within bounds', async () => {
    await run.access.grant(env.namespace);
    const tries = await measure({
      cp: env.cp,
      namespace: env.namespace,
      gateway: `http://127.0.0.1:${run.gateway.proxyPort}`,
      upstream: run.upstream,
      tries: TRIES,
    });
    const up = summary(tries.map((t) => t.applyTo200));
    const down = summary(tries.map((t) => t.deleteTo403));
    console.log(
      `latency over ${TRIES} tries: apply -> 200 p50 ${up.p50} p95 ${up.p95} max ${up.max} ms; delete -> 403 p50 ${down.p50} p95 ${down.p95} max ${down.max} ms`,
    );
    expect(up.max).toBeLessThan(BOUND_MS);
    expect(down.max).toBeLessThan(BOUND_MS);
  }, 180_000);
});
