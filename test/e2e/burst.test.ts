// 1,000 Applications and 1,000 Subscriptions in one burst (four parallel
// server-side applies of a generated multi-document YAML) against a real
// operator process and gateway: every credential gets its Secret, every object
// is Accepted and Programmed, and the time it took is printed. The bound is
// generous so that a busy 2-core CI machine passes.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { credentialSecrets, decodeKey, notReady, tollgateObjects } from './support/kube.ts';
import { useOperatorAndGateway } from './support/operator-gateway-processes.ts';
import { until } from '../support/wait.ts';

const env = useControlPlane();
const APPS = 1_000;
const CHUNKS = 4;
const BOUND_MS = 5 * 60_000;
const run = useOperatorAndGateway(env, { identity: 'burst-operator', replica: 'gw-burst', operator: { leaseRetryMs: 500 } });

const doc = (ns: string, i: number) => `apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: app-${i}, namespace: ${ns} }
spec:
  owner: { email: dev-${i}@example.com }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: app-${i}, namespace: ${ns} }
spec:
  application: app-${i}
  product: { name: burst }
`;

describe('a burst of 1,000 Applications and 1,000 Subscriptions', () => {
  it(
    'converges: every Secret created, every object Accepted and Programmed',
    async () => {
      const ns = env.namespace;
      await run.access.grant(ns);
      const upstream = run.upstream;
      await env.cp.kubectlOk(['apply', '-f', '-'], {
        input: `apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: burst, namespace: ${ns} }
spec: { context: /burst, version: v1, upstream: { urls: ["${upstream}"] } }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: burst, namespace: ${ns} }
spec: { operations: [{ api: burst, paths: [/] }] }
`,
      });
      const writesBefore = await run.operator.metric('tollgate_operator_status_writes_total', { result: 'written' });

      const t0 = performance.now();
      const at = () => Math.round(performance.now() - t0);
      const chunks = Array.from({ length: CHUNKS }, (_, c) => Array.from({ length: APPS / CHUNKS }, (_, j) => doc(ns, c * (APPS / CHUNKS) + j)).join('---\n'));
      await Promise.all(
        chunks.map((input) => env.cp.kubectlOk(['apply', '--server-side', '--field-manager=burst', '-f', '-'], { input, timeoutMs: BOUND_MS })),
      );
      const applied = at();

      let secretsAt = 0;
      let lastReport = '';
      await until(
        'every Secret, and every object Accepted and Programmed',
        async () => {
          if (!secretsAt) {
            const n = (await credentialSecrets(env.cp, ns)).length;
            lastReport = `${n} Secrets`;
            if (n < APPS) return undefined;
            secretsAt = at();
          }
          const objects = await tollgateObjects(env.cp, ns);
          const pending = notReady(objects, ['Accepted', 'ResolvedRefs', 'Programmed']);
          lastReport = `${objects.length} objects, ${pending.length} not ready, e.g. ${pending.slice(0, 3).join('; ')}`;
          return objects.length === 2 * APPS + 2 && pending.length === 0 ? true : undefined;
        },
        BOUND_MS - applied,
        2_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message} (${lastReport})`);
      });
      const converged = at();
      const statusWrites = (await run.operator.metric('tollgate_operator_status_writes_total', { result: 'written' })) - writesBefore;
      console.log(
        `burst: ${APPS} Applications + ${APPS} Subscriptions in ${CHUNKS} parallel server-side applies: applied ${applied} ms, ` +
          `all Secrets ${secretsAt} ms, all Accepted and Programmed ${converged} ms after the first apply began; ` +
          `${statusWrites} status writes`,
      );
      expect(converged).toBeLessThan(BOUND_MS);

      // Exactly one Secret each, and the gateway serves them all.
      const secrets = await credentialSecrets(env.cp, ns);
      expect(new Set(secrets.map((s) => s.metadata.name)).size).toBe(APPS);
      const sample = secrets.filter((_, i) => i % 50 === 0).map(decodeKey);
      for (const key of sample) {
        await until(
          '200 through the gateway',
          async () => ((await fetch(`http://127.0.0.1:${run.gateway.proxyPort}/burst/v1`, { headers: { apikey: key } })).status === 200 ? true : undefined),
          30_000,
          100,
        );
      }
    },
    6 * 60_000,
  );
});
