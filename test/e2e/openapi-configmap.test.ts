// An API whose OpenAPI document lives in a ConfigMap, end to end: a real
// kube-apiserver, the operator reading the key when it compiles, and the gateway
// mocking the Prototyped API from that document. A missing ConfigMap is a
// refused reference, told in the API's conditions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../gateway/server/create-gateway.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { until } from '../support/wait.ts';
import { e2eLogger, startInProcess, type InProcess } from './support/in-process.ts';
import { readCondition } from './support/kube.ts';

const env = useControlPlane();
const logger = e2eLogger();
let gateway: Gateway;
let harness: InProcess | undefined;

beforeAll(async () => {
  harness = await startInProcess({ kubeconfig: env.cp.kubeconfigPath, leaseNamespace: 'default', logger });
  ({ gateway } = harness);
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

const DOCUMENT = `openapi: 3.1.0
info: { title: Quotes, version: v1 }
paths:
  /quote:
    get:
      responses:
        '200':
          description: a quote
          content:
            application/json:
              example: { text: Simplicity is prerequisite for reliability. }
`;

const objects = (ns: string) => `
apiVersion: v1
kind: ConfigMap
metadata: { name: quotes-openapi, namespace: ${ns} }
data:
  openapi.yaml: |
${DOCUMENT.replace(/^/gm, '    ')}
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: quotes, namespace: ${ns} }
spec:
  context: /quotes-${ns}
  version: v1
  lifecycle: Prototyped
  openAPI: { configMapRef: { name: quotes-openapi, key: openapi.yaml } }
---
apiVersion: tollgate.dev/v1alpha1
kind: API
metadata: { name: orphan, namespace: ${ns} }
spec:
  context: /orphan-${ns}
  version: v1
  lifecycle: Prototyped
  openAPI: { configMapRef: { name: no-such-configmap, key: openapi.yaml } }
`;

const condition = (ns: string, resource: string, type: string) => readCondition(env.cp, ns, resource, type);

describe('an OpenAPI document in a ConfigMap', () => {
  it('is read by the operator and mocked by the gateway; a missing one is a refused reference', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const { value } = await until('the mock answers', async () => {
      const res = await fetch(`http://127.0.0.1:${gateway.proxyPort}/quotes-${ns}/v1/quote`);
      return res.status === 200 ? await res.json() : undefined;
    });
    expect(value).toEqual({ text: 'Simplicity is prerequisite for reliability.' });
    const refused = await until('the orphan is refused', async () => {
      const c = await condition(ns, 'api/orphan', 'ResolvedRefs');
      return c.status === 'False' ? c : undefined;
    });
    expect(refused.value).toMatchObject({ reason: 'RefNotFound', message: expect.stringContaining('no-such-configmap') });
    expect(await condition(ns, 'api/orphan', 'Accepted')).toMatchObject({ status: 'False', reason: 'RefNotFound' });
  }, 60_000);
});
