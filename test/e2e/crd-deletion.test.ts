// A deleted CRD (an Argo CD prune, `kubectl delete -k`) deletes every object of
// its kind. The operator must take that as an error state, not as "zero
// objects": it keeps publishing the last snapshot, so gateways keep accepting
// the keys, deletes no credential Secret, and once the CRDs and the same git
// state are back, the same keys work. (No garbage collector runs here: in a
// cluster the Secrets of deleted Applications go with them through their owner
// references, which is why the CRDs carry Prune=false/Delete=false and
// helm.sh/resource-policy: keep.)
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { sleep, until } from '../support/wait.ts';
import { helloEstate } from './support/hello-estate.ts';
import { useInProcess } from './support/in-process.ts';
import { consumerKey } from './support/kube.ts';

const env = useControlPlane();
const run = useInProcess(env);

const estate = (ns: string) => helloEstate(ns, { upstream: run.upstream, context: '/hello' });

describe('a deleted CRD', () => {
  it('keeps the last snapshot and every credential Secret; the same git state re-applied works with the same keys', async () => {
    const ns = env.namespace;
    const call = async (key: string) => (await fetch(`http://127.0.0.1:${run.harness.gateway.proxyPort}/hello/1.0.0/`, { headers: { apikey: key } })).status;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: estate(ns) });
    const key = await consumerKey(env.cp, ns, 'greetings.default');
    await until('200 with the key', async () => ((await call(key)) === 200 ? true : undefined));
    const version = run.harness.operator.last()!.snapshot.version;

    // What a prune does: every kind's CRD, each waiting until its objects are gone.
    await env.cp.kubectlOk(['delete', 'crd', 'subscriptions.tollgate.dev', 'applications.tollgate.dev', 'apiproducts.tollgate.dev', 'apis.tollgate.dev'], {
      timeoutMs: 60_000,
    });
    await sleep(1500); // many hold-offs: time enough to have published an empty snapshot
    expect(await call(key), 'the gateway still has the last snapshot').toBe(200);
    expect(run.harness.operator.last()!.snapshot.version, 'nothing new published').toBe(version);
    const secret = await env.cp.kubectl(['get', 'secret', '-n', ns, 'greetings.default', '-o', 'name']);
    expect(secret.stdout.trim(), 'the credential Secret is kept').toBe('secret/greetings.default');

    // The same git state again: CRDs first (docs: upgrading.md), then the objects.
    const crds = join(repoRoot, 'crds');
    await env.cp.kubectlOk(['apply', '--server-side', '--field-manager=tollgate-tests', '-f', crds]);
    await env.cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
    await until(
      'the objects are accepted again',
      async () => ((await env.cp.kubectl(['apply', '-f', '-'], { input: estate(ns) })).code === 0 ? true : undefined),
      90_000,
      250,
    );
    // The same git state compiles to the same snapshot (its version is a digest of its content):
    // what shows the operator took the objects back is their status, and the key still works.
    await until(
      'the re-applied Application Programmed, and 200 with the same key',
      async () => {
        const programmed = await env.cp.kubectlOk([
          'get',
          'application/greetings',
          '-n',
          ns,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Programmed")].status}',
        ]);
        return programmed === 'True' && (await call(key)) === 200 ? true : undefined;
      },
      120_000,
      200,
    );
    expect(await consumerKey(env.cp, ns, 'greetings.default'), 'the same key, not a new one').toBe(key);
  }, 300_000);
});
