// Restarts, with real processes and SIGKILL: the operator killed while it is
// creating credentials for hundreds of Applications converges after a restart
// with one Secret per credential and every key it had already handed out still
// valid; a gateway restarted while the operator is down serves from the snapshot
// it persisted.
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../control-plane/readiness.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { startExampleUpstream, type ExampleUpstream } from './support/example-upstream.ts';
import { helloApi, helloProduct, helloSubscriber } from './support/hello-estate.ts';
import { consumerKey, credentialSecrets, decodeKey, notReady, tollgateObjects } from './support/kube.ts';
import { operatorAccess, type OperatorAccess } from './support/operator-access.ts';
import { startGatewayProcess, type GatewayProcess, type OperatorProcess } from './support/processes.ts';
import { until } from '../support/wait.ts';

const env = useControlPlane();
const APPS = 400;
const LEASE_MS = 3_000;
let access: OperatorAccess;
let backend: ExampleUpstream;
let publisherPort: number;
let stateDir: string;
let operator: OperatorProcess | undefined;
let gateway: GatewayProcess | undefined;
// Shared by the two tests: the second restarts the gateway the first left running.
let ns: string;
let earlyKeys: string[] = [];

// Every incarnation listens on the same port, as a Service in front of it would.
const startOperator = (identity: string) =>
  access.startOperator(identity, {
    publisherPort,
    holdOffMs: 100,
    leaseDurationMs: LEASE_MS,
    leaseRetryMs: 250,
  });

beforeAll(async () => {
  access = await operatorAccess(env.cp);
  backend = await startExampleUpstream();
  [publisherPort] = (await freePorts(1)) as [number];
  stateDir = mkdtempSync(join(env.cp.dir, 'gateway-state-'));
});
afterAll(async () => {
  await gateway?.stop();
  await operator?.stop();
  backend?.server.close();
});

const api = (ns: string, upstream: string) => [helloApi(ns, { upstream, context: '/hello', version: 'v1' }), helloProduct(ns)].join('---\n');
const appAndSubscription = (ns: string, name: string) => helloSubscriber(ns, name, name);

const call = (key: string) => fetch(`http://127.0.0.1:${gateway!.proxyPort}/hello/v1`, { headers: { apikey: key } });
const serves = (key: string) => until(`200 with ${key.slice(0, 8)}…`, async () => ((await call(key)).status === 200 ? true : undefined), 60_000, 50);

describe('restarts', () => {
  it('the operator SIGKILLed while creating credentials converges: one Secret per credential, no key lost or changed', async () => {
    ns = env.namespace;
    await access.grant(ns);
    operator = await startOperator('restart-1');
    gateway = await startGatewayProcess(env.cp.dir, { operatorUrl: `http://127.0.0.1:${publisherPort}`, stateDir, replica: 'gw-restart' });
    const upstream = backend.url;

    // Keys in use before anything goes wrong.
    const early = ['early-0', 'early-1', 'early-2'];
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: [api(ns, upstream), ...early.map((n) => appAndSubscription(ns, n))].join('---\n') });
    earlyKeys = await Promise.all(early.map((n) => consumerKey(env.cp, ns, `${n}.default`)));
    for (const key of earlyKeys) await serves(key);

    // The burst; the operator is killed once it is well into creating Secrets.
    const burst = Array.from({ length: APPS }, (_, i) => appAndSubscription(ns, `app-${i}`)).join('---\n');
    const applying = env.cp.kubectlOk(['apply', '--server-side', '--field-manager=restart-test', '-f', '-'], { input: burst, timeoutMs: 300_000 });
    const count = async () =>
      (await env.cp.kubectlOk(['get', 'secrets', '-n', ns, '-l', 'tollgate.dev/credential', '-o', 'name'])).split('\n').filter(Boolean).length;
    const { value: atKill } = await until(
      'the operator to be creating Secrets',
      async () => {
        const n = await count();
        return n >= early.length + 40 ? n : undefined;
      },
      120_000,
      100,
    );
    await operator.kill();
    const killedAt = Date.now();
    // Whatever it had in flight has landed (or not) by now.
    await new Promise((r) => setTimeout(r, 500));
    const beforeRestart = await credentialSecrets(env.cp, ns);
    expect(beforeRestart.length, 'killed mid-flight, not after it was done').toBeLessThan(APPS + early.length);
    await applying;

    operator = await startOperator('restart-2');
    const { ms } = await until(
      'every credential to have a Secret',
      async () => ((await credentialSecrets(env.cp, ns)).length >= APPS + early.length ? true : undefined),
      180_000,
      500,
    );
    console.log(
      `restart: SIGKILL with ${beforeRestart.length} of ${APPS + early.length} Secrets (${atKill} seen before the kill); all there ${Math.round(ms)} ms after the restart (${Date.now() - killedAt} ms after the kill; lease ${LEASE_MS} ms)`,
    );

    const after = await credentialSecrets(env.cp, ns);
    const apps = (await tollgateObjects(env.cp, ns)).filter((o) => o.kind === 'Application');
    const uidOf = new Map(apps.map((a) => [a.metadata.name, a.metadata.uid]));
    // Exactly one Secret per credential, owned by its Application.
    const perApp = new Map<string, number>();
    for (const s of after) {
      const app = s.metadata.labels!['tollgate.dev/application']!;
      perApp.set(app, (perApp.get(app) ?? 0) + 1);
      expect(s.metadata.name).toBe(`${app}.default`);
      expect(s.metadata.ownerReferences?.map((o) => o.uid)).toEqual([uidOf.get(app)]);
    }
    expect(perApp.size).toBe(APPS + early.length);
    expect([...perApp.values()].every((n) => n === 1)).toBe(true);
    // The Secrets from before the kill were kept, not replaced.
    const afterByName = new Map(after.map((s) => [s.metadata.name, s]));
    for (const s of beforeRestart) {
      expect(afterByName.get(s.metadata.name)?.metadata.uid).toBe(s.metadata.uid);
      expect(decodeKey(afterByName.get(s.metadata.name)!)).toBe(decodeKey(s));
    }

    // The gateway found the new operator on the same address, and every key works:
    // those served before the kill, those made before it, those made after.
    for (const key of earlyKeys) await serves(key);
    const keys = after.map(decodeKey);
    let refused: number[] = [];
    await until(
      'every key to get 200',
      async () => {
        refused = (await Promise.all(keys.map(async (k) => (await call(k)).status))).filter((s) => s !== 200);
        return refused.length === 0 ? true : undefined;
      },
      60_000,
      500,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${refused.length} refused, e.g. ${refused.slice(0, 5).join(', ')}`);
    });
    await until('all Accepted and Programmed', async () => (notReady(await tollgateObjects(env.cp, ns)).length === 0 ? true : undefined), 120_000, 1_000);
  }, 420_000);

  it('a gateway restarted while the operator is down serves from its persisted snapshot', async () => {
    // What the operator publishes now (the gateway's own log is written in batches, so may lag).
    const current = ((await (await fetch(`http://127.0.0.1:${publisherPort}/v1/reports`)).json()) as { version: string }).version;
    // The gateway persists each snapshot it applies, atomically; wait until the file holds that one.
    await until('the persisted snapshot', async () => {
      try {
        return (JSON.parse(readFileSync(join(stateDir, 'snapshot.json'), 'utf8')) as { version: string }).version === current ? true : undefined;
      } catch {
        return undefined;
      }
    });
    await operator!.kill();
    operator = undefined;
    await gateway!.kill();

    gateway = await startGatewayProcess(env.cp.dir, { operatorUrl: `http://127.0.0.1:${publisherPort}`, stateDir, replica: 'gw-restart' });
    const listening = gateway.lines().find((l) => l.msg === 'gateway listening')!;
    expect(listening.version).toBe(current);
    for (const key of earlyKeys) expect((await call(key)).status).toBe(200);
    expect((await call('tg_not-a-key')).status).toBe(401);
    // Still no operator: the gateway keeps trying and keeps serving.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await call(earlyKeys[0]!)).status).toBe(200);
  }, 120_000);
});
