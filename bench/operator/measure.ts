// The two latencies a user feels, end to end through the real kubectl, API
// server, operator and gateway: `kubectl apply` of a new API + product +
// application + subscription until the first 200 with the generated key (read
// from its Secret), and `kubectl delete subscription` until the first 403.
// Shared by bench/operator/run.ts and test/e2e/latency.test.ts.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { ControlPlane } from '../../test/control-plane/control-plane.ts';

export type Try = {
  /** `kubectl apply` started -> first 200 through the gateway with the new key. */
  applyTo200: number;
  /** of which: until kubectl apply exited, and until the Secret could be read. */
  kubectlApply: number;
  secretReadable: number;
  /** `kubectl delete subscription` started -> first 403. */
  deleteTo403: number;
  kubectlDelete: number;
};

export type MeasureOptions = {
  cp: ControlPlane;
  namespace: string;
  /** Where the gateway listens, e.g. http://127.0.0.1:8080 */
  gateway: string;
  upstream: string;
  tries: number;
  /** Numbers the objects from here, so that a warm-up run and the measured one do not collide. */
  firstIndex?: number;
  /** Give up on one step after this long. */
  stepTimeoutMs?: number;
  onTry?: (i: number, t: Try) => void;
};

const objects = (ns: string, i: number, upstream: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: bench-${i}, namespace: ${ns} }
spec: { context: /bench-${i}, version: v1, upstream: { urls: ["${upstream}"] } }
---
apiVersion: tollgate.dev/v1alpha1
kind: APIProduct
metadata: { name: bench-${i}, namespace: ${ns} }
spec: { operations: [{ api: bench-${i}, paths: [/] }] }
---
apiVersion: tollgate.dev/v1alpha1
kind: Application
metadata: { name: bench-${i}, namespace: ${ns} }
spec: { owner: { email: bench@example.com } }
---
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: bench-${i}, namespace: ${ns} }
spec: { application: bench-${i}, product: { name: bench-${i} } }
`;

async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const end = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function measure(o: MeasureOptions): Promise<Try[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(o.cp.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const timeout = o.stepTimeoutMs ?? 30_000;
  const status = async (path: string, key: string) => {
    const res = await fetch(`${o.gateway}${path}`, { headers: { apikey: key } });
    await res.body?.cancel();
    return res.status;
  };
  const tries: Try[] = [];
  for (let i = o.firstIndex ?? 0; i < (o.firstIndex ?? 0) + o.tries; i++) {
    const path = `/bench-${i}/v1`;
    const t0 = performance.now();
    const applied = o.cp.kubectlOk(['apply', '-f', '-'], { input: objects(o.namespace, i, o.upstream) }).then(() => performance.now() - t0);
    // The key, from the Secret the operator generates (the API server, not kubectl: a
    // kubectl process per poll would cost more than what is measured).
    const key = await poll(
      `Secret bench-${i}.default`,
      async () => {
        const s = await core.readNamespacedSecret({ name: `bench-${i}.default`, namespace: o.namespace });
        const v = s.data?.consumerKey;
        return v ? Buffer.from(v, 'base64').toString() : undefined;
      },
      timeout,
      10,
    );
    const secretReadable = performance.now() - t0;
    await poll(`200 on ${path}`, async () => ((await status(path, key)) === 200 ? true : undefined), timeout, 5);
    const applyTo200 = performance.now() - t0;
    const kubectlApply = await applied;

    const t1 = performance.now();
    const deleted = o.cp.kubectlOk(['delete', 'subscription', `bench-${i}`, '-n', o.namespace, '--wait=false']).then(() => performance.now() - t1);
    await poll(`403 on ${path}`, async () => ((await status(path, key)) === 403 ? true : undefined), timeout, 5);
    const deleteTo403 = performance.now() - t1;
    const t: Try = { applyTo200, kubectlApply, secretReadable, deleteTo403, kubectlDelete: await deleted };
    tries.push(t);
    o.onTry?.(i, t);
  }
  return tries;
}

/** Nearest-rank percentiles: with 20 tries p95 is the 19th value, not an interpolation. */
export function summary(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: Math.round(at(50)), p95: Math.round(at(95)), max: Math.round(sorted[sorted.length - 1]!) };
}
