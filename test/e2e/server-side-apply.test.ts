// Server-side apply as Argo CD does it (field manager argocd, --force-conflicts),
// plus a second team's manager on another field, against the operator writing
// status: no conflicts either way, status stays, and once converged the operator
// writes nothing (no status ping-pong), measured over a quiet window.
import { describe, expect, it } from 'vitest';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { conditionOf, consumerKey, notReady, tollgateObjects, type KubeObject } from './support/kube.ts';
import { helloEstate } from './support/hello-estate.ts';
import { useOperatorAndGateway } from './support/operator-gateway-processes.ts';
import { sleep, until } from '../support/wait.ts';

const env = useControlPlane();
const run = useOperatorAndGateway(env, { identity: 'ssa-operator', replica: 'gw-ssa', operator: { holdOffMs: 50, leaseRetryMs: 500 } });

const manifest = (ns: string) =>
  helloEstate(ns, {
    upstream: run.upstream,
    version: 'v1',
    displayName: 'Hello',
    application: 'app',
    // A manifest copied from another cluster may carry a status; applied to the main
    // resource it must be ignored, not fight the operator.
    subscriptionTail: 'status:\n  phase: Revoked\n',
  });

const argocd = (ns: string) => env.cp.kubectl(['apply', '--server-side', '--field-manager=argocd', '--force-conflicts', '-f', '-'], { input: manifest(ns) });

async function converged(ns: string): Promise<KubeObject[]> {
  const { value } = await until(
    'Accepted and Programmed at the current generation',
    async () => {
      const objects = await tollgateObjects(env.cp, ns, { managedFields: true });
      return objects.length === 4 && notReady(objects).length === 0 ? objects : undefined;
    },
    60_000,
    200,
  );
  return value;
}

/**
 * The objects once no resourceVersion has moved for `ms`: the operator may still
 * be finishing the writes of its convergence (a replica count, a second condition)
 * when they first look converged. Never settling within 30 s is a failure.
 */
async function settled(ns: string, ms = 1_500): Promise<KubeObject[]> {
  let last = '';
  let since = Date.now();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const objects = await tollgateObjects(env.cp, ns, { managedFields: true });
    const versions = objects.map((o) => o.metadata.resourceVersion).join();
    if (versions !== last) [last, since] = [versions, Date.now()];
    else if (Date.now() - since >= ms) return objects;
  }
  throw new Error('the objects kept changing for 30 s after convergence');
}

/** resourceVersion changes of the namespace's objects, and the operator's status writes, over a quiet window. */
async function quietWindow(ns: string, ms: number): Promise<{ versionChanges: number; statusWrites: number; samples: number }> {
  const writesBefore = await run.operator.metric('tollgate_operator_status_writes_total');
  const seen = new Map<string, Set<string>>();
  const end = Date.now() + ms;
  let samples = 0;
  while (Date.now() < end) {
    for (const o of await tollgateObjects(env.cp, ns)) {
      const k = `${o.kind}/${o.metadata.name}`;
      if (!seen.has(k)) seen.set(k, new Set());
      seen.get(k)!.add(o.metadata.resourceVersion);
    }
    samples++;
    await sleep(100);
  }
  const versionChanges = [...seen.values()].reduce((n, s) => n + s.size - 1, 0);
  return { versionChanges, statusWrites: (await run.operator.metric('tollgate_operator_status_writes_total')) - writesBefore, samples };
}

describe('server-side apply with two field managers', () => {
  it('argocd and team-b apply, the operator writes status; no conflicts, status stays, no fighting', async () => {
    const ns = env.namespace;
    await run.access.grant(ns);
    const first = await argocd(ns);
    expect(first.code, first.stderr).toBe(0);
    await converged(ns);
    const objects = await settled(ns);

    // Who owns what: argocd the spec it applied, the operator the status.
    for (const o of objects) {
      const managers = (o.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}${m.subresource ? `/${m.subresource}` : ''}`);
      expect(managers).toContain('argocd/Apply');
      expect(managers).toContain('tollgate-operator/Update/status');
    }
    const sub = objects.find((o) => o.kind === 'Subscription')!;
    expect(sub.status?.phase).toBe('Active');
    const acceptedAt = (o: KubeObject) => (conditionOf(o, 'Accepted') as { lastTransitionTime?: string } | undefined)?.lastTransitionTime;
    const transitions = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, acceptedAt(o)]));

    // Argo CD syncs again with nothing changed: a no-op, nothing for the operator to do.
    const rv = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]));
    const again = await argocd(ns);
    expect(again.code, again.stderr).toBe(0);
    for (const o of await tollgateObjects(env.cp, ns)) expect(o.metadata.resourceVersion).toBe(rv.get(`${o.kind}/${o.metadata.name}`));

    // Another team owns another field of the API, applied as Argo CD would (force).
    const teamB = await env.cp.kubectl(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', '-'], {
      input: `apiVersion: tollgate.dev/v1alpha1\nkind: API\nmetadata: { name: hello, namespace: ${ns} }\nspec:\n  description: owned by team b\n`,
    });
    expect(teamB.code, teamB.stderr).toBe(0);
    // And argocd syncs once more over it: its own fields only, so team-b's stays.
    const third = await argocd(ns);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).not.toMatch(/conflict/i);

    const after = await converged(ns);
    const apiObject = after.find((o) => o.kind === 'API')!;
    expect(apiObject.metadata.generation).toBe(2);
    expect(apiObject.spec.description).toBe('owned by team b');
    expect(apiObject.spec.displayName).toBe('Hello');
    expect(apiObject.status?.observedGeneration).toBe(2);
    expect((apiObject.metadata.managedFields ?? []).map((m) => m.manager)).toEqual(expect.arrayContaining(['argocd', 'team-b', 'tollgate-operator']));
    for (const o of after) {
      // Status stayed: no condition went back and forth through the applies.
      expect(acceptedAt(o), `${o.kind} Accepted kept its transition time`).toBe(transitions.get(`${o.kind}/${o.metadata.name}`));
      expect(conditionOf(o, 'Accepted')?.status).toBe('True');
    }
    expect(after.find((o) => o.kind === 'Subscription')!.status?.phase).toBe('Active');

    // Converged: over a few quiet seconds nobody writes anything.
    await sleep(1_000);
    const quiet = await quietWindow(ns, 4_000);
    console.log(
      `server-side apply: over 4 s after convergence, ${quiet.versionChanges} resourceVersion changes in ${quiet.samples} samples, ${quiet.statusWrites} status writes`,
    );
    expect(quiet.versionChanges).toBe(0);
    expect(quiet.statusWrites).toBe(0);
    const key = await consumerKey(env.cp, ns, 'app.default');
    expect((await fetch(`http://127.0.0.1:${run.gateway.proxyPort}/hello-${ns}/v1`, { headers: { apikey: key } })).status).toBe(200);
  }, 120_000);
});
