// examples/ as a user applies it: `kubectl apply` against a real API server, a
// real operator process and a real gateway process fed by it. Every object
// reaches Accepted and Programmed, and the generated keys, read from their
// Secrets, get 200s through the gateway.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleBackend } from '../../dev/example-backend.ts';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { conditionOf, consumerKey, notReady, tollgateObjects } from './support/kube.ts';
import { operatorAccess } from './support/operator-access.ts';
import { startGatewayProcess, type GatewayProcess, type OperatorProcess } from './support/processes.ts';
import { until } from '../support/wait.ts';

const env = useControlPlane();
const examples = join(repoRoot, 'examples');
// The namespaces examples/namespaces.yaml creates.
const namespaces = ['platform', 'greetings', 'weather-team', 'prototypes'];
let backend: Server;
let operator: OperatorProcess;
let gateway: GatewayProcess;

beforeAll(async () => {
  backend = await startExampleBackend(0);
  const access = await operatorAccess(env.cp);
  // namespaces.yaml first: a recursive apply of a fresh cluster would reach
  // hello-world/ before the namespace file and fail on the missing namespace.
  await env.cp.kubectlOk(['apply', '-f', join(examples, 'namespaces.yaml')]);
  for (const ns of namespaces) await access.grant(ns);
  operator = await access.startOperator('examples-operator', {
    holdOffMs: 50,
    leaseRetryMs: 500,
  });
  gateway = await startGatewayProcess(env.cp.dir, { operatorUrl: `http://127.0.0.1:${operator.publisherPort}`, replica: 'gw-examples' });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await operator?.stop();
  backend?.close();
});

const call = (path: string, key: string) => fetch(`http://127.0.0.1:${gateway.proxyPort}${path}`, { headers: { apikey: key } });

describe('kubectl apply -R -f examples/', () => {
  it('every object is Accepted and Programmed, and generated keys get 200 through a gateway', async () => {
    const t0 = performance.now();
    await env.cp.kubectlOk(['apply', '-R', '-f', examples]);

    // The examples point their APIs at the example backend on 127.0.0.1:8081, as
    // `make run` starts it; here it listens wherever the test could bind, and the
    // upstreams are patched there, as an operator of the cluster would.
    const upstream = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
    const apis = (await tollgateObjects(env.cp, 'platform')).filter((o) => o.kind === 'API');
    expect(apis.map((a) => a.metadata.name).sort()).toEqual(['hello-world', 'inventory', 'maps', 'weather', 'weatherapi']);
    for (const api of apis) {
      await env.cp.kubectlOk([
        'patch',
        'api',
        api.metadata.name,
        '-n',
        'platform',
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { upstream: { urls: [upstream] } } }),
      ]);
    }

    // The partner subscription waits for an approver: that is its Accepted=False, and
    // it still counts as programmed (gateways know to refuse it).
    const pending = await until(
      'weatherapp-weather-partner PendingApproval',
      async () => {
        const o = (await tollgateObjects(env.cp, 'weather-team')).find((x) => x.metadata.name === 'weatherapp-weather-partner');
        return o && conditionOf(o, 'Accepted')?.reason === 'PendingApproval' ? o : undefined;
      },
      60_000,
      250,
    );
    expect(pending.value.status?.phase).toBe('PendingApproval');
    await env.cp.kubectlOk([
      'patch',
      'subscription',
      'weatherapp-weather-partner',
      '-n',
      'weather-team',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { approval: { decision: 'Approved', by: 'partner-desk@example.com', at: new Date().toISOString(), reason: 'e2e' } } }),
    ]);

    const { value: objects, ms } = await until(
      'every object Accepted and Programmed',
      async () => {
        const all = (await Promise.all(namespaces.map((ns) => tollgateObjects(env.cp, ns)))).flat();
        return notReady(all, ['Accepted', 'ResolvedRefs', 'Programmed']).length === 0 ? all : undefined;
      },
      90_000,
      250,
    ).catch(async (e: Error) => {
      const all = (await Promise.all(namespaces.map((ns) => tollgateObjects(env.cp, ns)))).flat();
      throw new Error(`${e.message}\n${notReady(all, ['Accepted', 'ResolvedRefs', 'Programmed']).join('\n')}`);
    });
    console.log(
      `examples: ${objects.length} objects Accepted and Programmed ${Math.round(performance.now() - t0)} ms after the apply (${Math.round(ms)} ms after the approval)`,
    );
    expect(objects.length).toBe(23);
    for (const o of objects) expect(conditionOf(o, 'Programmed')!.message).toMatch(/applied by 1\/1 gateway replicas/);

    const greetingsKey = await consumerKey(env.cp, 'greetings', 'greetings.default');
    const hello = await until('200 from /hello/1.0.0', async () => {
      const r = await call('/hello/1.0.0', greetingsKey);
      return r.status === 200 ? r : undefined;
    });
    expect(await hello.value.json()).toEqual({ hello: 'world' });
    // The default version too.
    expect((await call('/hello', greetingsKey)).status).toBe(200);

    const weatherKey = await consumerKey(env.cp, 'weather-team', 'weatherapp.default');
    const forecast = await until('200 from /weatherapikey/v1/forecastrss', async () => {
      const r = await call('/weatherapikey/v1/forecastrss', weatherKey);
      return r.status === 200 ? r : undefined;
    });
    expect(await forecast.value.json()).toMatchObject({ location: 'Sunnyvale, CA' });
    // Approved just now: the partner product opens everything under the API.
    expect((await call('/weatherapikey/v1/anything', weatherKey)).status).toBe(200);
    // greetings subscribed to HelloWorld only.
    expect((await call('/weatherapikey/v1/forecastrss', greetingsKey)).status).toBe(403);
    expect((await call('/hello/1.0.0', 'tg_not-a-real-key')).status).toBe(401);

    // The Prototyped bookshop has no backend: the gateway answers from its inline OpenAPI document, with no key.
    const books = await fetch(`http://127.0.0.1:${gateway.proxyPort}/bookshop/0.1/books`);
    expect([books.status, books.headers.get('x-total-count'), ((await books.json()) as unknown[]).length]).toEqual([200, '2', 2]);
  }, 180_000);
});
