// The operator end to end: a real kube-apiserver and etcd, the real kubectl,
// the operator and a gateway fed by its long-poll publisher, over loopback.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { until } from '../support/wait.ts';
import { helloEstate } from './support/hello-estate.ts';
import { useInProcess } from './support/in-process.ts';
import { consumerKey, readCondition } from './support/kube.ts';

const env = useControlPlane();
const run = useInProcess(env);

const objects = (ns: string) => helloEstate(ns, { upstream: run.upstream, quota: { limit: 1000, timeUnit: 'minute' } });

const keyOf = (ns: string) => consumerKey(env.cp, ns, 'greetings.default');

const call = (path: string, key: string) => fetch(`http://127.0.0.1:${run.harness.gateway.proxyPort}${path}`, { headers: { apikey: key } });

const condition = (ns: string, resource: string, type: string) => readCondition(env.cp, ns, resource, type);

describe('tollgate operator', () => {
  it('kubectl apply -> Secret with a generated key -> 200 through the gateway -> Accepted and Programmed', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await keyOf(ns);
    expect(key).toMatch(/^tg_/);
    const { value: res } = await until('200 through the gateway', async () => {
      const r = await call(`/hello-${ns}/1.0.0`, key);
      return r.status === 200 ? r : undefined;
    });
    expect(await res.json()).toEqual({ hello: 'world' });
    for (const resource of ['api/hello', 'apiproduct/hello', 'application/greetings', 'subscription/greetings-hello']) {
      await until(`${resource} Programmed`, async () => ((await condition(ns, resource, 'Programmed')).status === 'True' ? true : undefined));
      expect((await condition(ns, resource, 'Accepted')).status).toBe('True');
    }
    const st = JSON.parse(await env.cp.kubectlOk(['get', 'application/greetings', '-n', ns, '-o', 'jsonpath={.status}']));
    expect(st.credentials[0]).toMatchObject({ name: 'default', state: 'Active', secretName: 'greetings.default' });
    expect(JSON.stringify(st)).not.toContain(key);
  });

  it('a product naming a missing API: ResolvedRefs=False, Programmed=False Incomplete, its other API still serves; fixing it recovers', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await keyOf(ns);
    await until('200', async () => ((await call(`/hello-${ns}/1.0.0`, key)).status === 200 ? true : undefined));
    const product = (apis: string[]) =>
      `apiVersion: tollgate.dev/v1alpha1\nkind: APIProduct\nmetadata: { name: hello, namespace: ${ns} }\nspec:\n  operations: [${apis.map((a) => `{ api: ${a} }`).join(', ')}]\n`;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: product(['hello', 'nope']) });
    const { value: refs } = await until('ResolvedRefs=False', async () => {
      const c = await condition(ns, 'apiproduct/hello', 'ResolvedRefs');
      return c.status === 'False' ? c : undefined;
    });
    expect(refs.reason).toBe('RefNotFound');
    expect(refs.message).toContain(`spec.operations[1].api: API ${ns}/nope not found`);
    // Served in part, and counted as such once the gateway has applied it, but never True.
    const { value: programmed } = await until('Programmed=False Incomplete, applied', async () => {
      const c = await condition(ns, 'apiproduct/hello', 'Programmed');
      return c.reason === 'Incomplete' && c.message?.includes('applied by 1/1') ? c : undefined;
    });
    expect(programmed.status).toBe('False');
    expect(await condition(ns, 'apiproduct/hello', 'Accepted')).toMatchObject({ status: 'True' });
    const columns = await env.cp.kubectlOk(['get', 'apiproduct/hello', '-n', ns, '--no-headers']);
    expect(columns).toMatch(/\bTrue\s+False\b/);
    expect((await call(`/hello-${ns}/1.0.0`, key)).status).toBe(200);
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: product(['hello']) });
    await until('ResolvedRefs=True and Programmed=True after the fix', async () =>
      (await condition(ns, 'apiproduct/hello', 'ResolvedRefs')).status === 'True' && (await condition(ns, 'apiproduct/hello', 'Programmed')).status === 'True'
        ? true
        : undefined,
    );
  });

  it('deleting the Subscription cuts access off (403) promptly', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await keyOf(ns);
    await until('200', async () => ((await call(`/hello-${ns}/1.0.0`, key)).status === 200 ? true : undefined));
    const start = performance.now();
    await env.cp.kubectlOk(['delete', 'subscription/greetings-hello', '-n', ns, '--wait=false']);
    await until('403 after delete', async () => ((await call(`/hello-${ns}/1.0.0`, key)).status === 403 ? true : undefined));
    expect(performance.now() - start).toBeLessThan(5_000);
  });
});
