// bench/operator: how long a user waits, over loopback on one machine, with a
// real kube-apiserver + etcd, the real kubectl, and the operator and a gateway
// each in its own process (the operator as its ServiceAccount, config/rbac):
//
//   - `kubectl apply` of a new API + product + application + subscription until
//     the first 200 through the gateway with the key read from the new Secret;
//   - `kubectl delete subscription` until the first 403.
//
// Target: p95 <= 1 s for both.   node bench/operator/run.ts [--tries 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startExampleBackend } from '../../dev/example-backend.ts';
import { startControlPlane } from '../../test/control-plane/control-plane.ts';
import { operatorAccess } from '../../test/e2e/support/operator-access.ts';
import { startGatewayProcess } from '../../test/e2e/support/processes.ts';
import { measure, summary } from './measure.ts';

const { values: args } = parseArgs({ options: { tries: { type: 'string', default: '20' } } });
const tries = Number(args.tries);
const TARGET_MS = 1_000;

const cp = await startControlPlane();
const logs = mkdtempSync(join(tmpdir(), 'tollgate-bench-operator-'));
const backend = await startExampleBackend(0);
let failed = false;
try {
  const access = await operatorAccess(cp);
  const namespace = await cp.newNamespace('bench');
  await access.grant(namespace);
  const operator = await access.startOperator('bench-operator', { leaseRetryMs: 500 }, logs);
  const gateway = await startGatewayProcess(logs, { operatorUrl: `http://127.0.0.1:${operator.publisherPort}`, replica: 'gw-bench' });
  try {
    await operator.waitFor('became leader');
    console.log(`control plane up in ${cp.timings.crdsEstablished} ms; operator (hold-off 100 ms) and gateway running; ${tries} tries\n`);
    // One try first, not counted: the operator's first Secret informer in the
    // namespace, the gateway's first connections, and Node's JIT warm up on it.
    const common = {
      cp,
      namespace,
      gateway: `http://127.0.0.1:${gateway.proxyPort}`,
      upstream: `http://127.0.0.1:${(backend.address() as { port: number }).port}`,
    };
    await measure({ ...common, tries: 1, firstIndex: 1_000 });
    console.log('try  apply->200  (kubectl  Secret)  delete->403  (kubectl)');
    const results = await measure({
      ...common,
      tries,
      onTry: (i, t) =>
        console.log(
          `${String(i + 1).padStart(3)}  ${ms(t.applyTo200).padStart(10)}  ${ms(t.kubectlApply).padStart(8)}  ${ms(t.secretReadable).padStart(6)}  ${ms(t.deleteTo403).padStart(11)}  ${ms(t.kubectlDelete).padStart(9)}`,
        ),
    });
    const up = summary(results.map((r) => r.applyTo200));
    const down = summary(results.map((r) => r.deleteTo403));
    const kubectl = summary(results.map((r) => r.kubectlApply));
    console.log(`\n                 p50      p95      max`);
    console.log(`apply -> 200  ${ms(up.p50).padStart(6)}   ${ms(up.p95).padStart(6)}   ${ms(up.max).padStart(6)}`);
    console.log(`delete -> 403 ${ms(down.p50).padStart(6)}   ${ms(down.p95).padStart(6)}   ${ms(down.max).padStart(6)}`);
    console.log(`(kubectl apply alone: p50 ${ms(kubectl.p50)}, p95 ${ms(kubectl.p95)})`);
    const met = up.p95 <= TARGET_MS && down.p95 <= TARGET_MS;
    console.log(`target: p95 <= ${TARGET_MS} ms for both (${met ? 'met' : 'MISSED'})`);
  } finally {
    await gateway.stop();
    await operator.stop();
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  backend.close();
  await cp.stop();
  rmSync(logs, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

function ms(n: number): string {
  return `${Math.round(n)} ms`;
}
