// config/admission against the real kube-apiserver: only members of
// tollgate:approvers may set, change or remove a Subscription's spec.approval.
// Users are impersonated with the real kubectl (--as, --as-group) from the
// admin identity, and get their edit rights from an ordinary Role, so what
// refuses them below is the policy, not RBAC.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { operatorKubeconfig } from './operator-identity.ts';

const env = useControlPlane();
const alice = ['--as=alice', '--as-group=app-team'];
const bob = ['--as=bob', '--as-group=tollgate:approvers'];
const refusal =
  /ValidatingAdmissionPolicy 'tollgate-subscription-approval' with binding 'tollgate-subscription-approval' denied request: spec\.approval can only be set or changed by members of tollgate:approvers; alice is not one/;

const subscription = (ns: string, name: string, approval?: string) => `
apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: ${name}, namespace: ${ns} }
spec:
  application: greetings
  product: { name: premium }
${approval ? `  approval: ${approval}\n` : ''}`;
const approved = '{ decision: Approved, by: bob@example.com, at: "2030-01-01T00:00:00Z", reason: looks fine }';

/** Both groups may edit Subscriptions in the namespace; only the policy tells them apart. */
async function editors(ns: string): Promise<void> {
  await env.cp.kubectlOk([
    'create',
    'role',
    'subscription-editor',
    '-n',
    ns,
    '--verb=get,list,watch,create,update,patch,delete',
    '--resource=subscriptions.tollgate.dev',
  ]);
  await env.cp.kubectlOk([
    'create',
    'rolebinding',
    'subscription-editors',
    '-n',
    ns,
    '--role=subscription-editor',
    '--group=app-team',
    '--group=tollgate:approvers',
  ]);
}

const patch = (ns: string, name: string, who: string[], body: unknown, ...extra: string[]) =>
  env.cp.kubectl(['patch', `subscription/${name}`, '-n', ns, '--type=merge', '-p', JSON.stringify(body), ...extra, ...who]);
const approvalOf = (ns: string, name: string) =>
  env.cp.kubectlOk(['get', `subscription/${name}`, '-n', ns, '-o', 'jsonpath={.spec.approval}']).then((s) => (s ? JSON.parse(s) : undefined));

beforeAll(async () => {
  await env.cp.kubectlOk(['apply', '-k', join(repoRoot, 'config', 'admission')]);
  // The policy takes effect once the API server's admission plugin has seen it
  // and type-checked it; probe with a server-side dry run until it refuses.
  const probeNs = await env.cp.newNamespace('probe');
  await editors(probeNs);
  const start = performance.now();
  for (;;) {
    const r = await env.cp.kubectl(['create', '--dry-run=server', '-f', '-', ...alice], { input: subscription(probeNs, 'probe', approved) });
    if (r.code !== 0 && refusal.test(r.stderr)) break;
    if (performance.now() - start > 30_000) throw new Error(`the approval policy never took effect; last kubectl: ${r.code} ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}, 60_000);

describe('Subscription approval policy (config/admission)', () => {
  it('anyone with RBAC creates and edits a Subscription without approval; only an approver sets approval', async () => {
    const ns = env.namespace;
    await editors(ns);
    await env.cp.kubectlOk(['create', '-f', '-', ...alice], { input: subscription(ns, 'greetings-premium') });
    expect((await patch(ns, 'greetings-premium', alice, { spec: { plan: 'gold' } })).code).toBe(0);

    const selfApproval = await patch(ns, 'greetings-premium', alice, { spec: { approval: { decision: 'Approved', by: 'alice', at: '2030-01-01T00:00:00Z' } } });
    expect(selfApproval.code).not.toBe(0);
    expect(selfApproval.stderr).toMatch(refusal);
    expect(await approvalOf(ns, 'greetings-premium')).toBeUndefined();

    const preApproved = await env.cp.kubectl(['create', '-f', '-', ...alice], { input: subscription(ns, 'pre-approved', approved) });
    expect(preApproved.code).not.toBe(0);
    expect(preApproved.stderr).toMatch(refusal);

    const byApprover = await patch(ns, 'greetings-premium', bob, { spec: { approval: { decision: 'Approved', by: 'bob', at: '2030-01-01T00:00:00Z' } } });
    expect(byApprover.stderr).toBe('');
    expect(byApprover.code).toBe(0);
    expect(await approvalOf(ns, 'greetings-premium')).toMatchObject({ decision: 'Approved', by: 'bob' });

    // An approver may also create a Subscription approved from the start.
    await env.cp.kubectlOk(['create', '-f', '-', ...bob], { input: subscription(ns, 'approved-at-birth', approved) });
  });

  it('an app-team user cannot change or remove an existing approval, but still edits the rest', async () => {
    const ns = env.namespace;
    await editors(ns);
    await env.cp.kubectlOk(['create', '-f', '-', ...bob], { input: subscription(ns, 'greetings-premium', approved) });

    for (const approval of [
      { decision: 'Rejected' },
      { reason: 'I changed my mind' },
      { at: '2031-01-01T00:00:00Z' },
      null, // removing it
    ]) {
      const r = await patch(ns, 'greetings-premium', alice, { spec: { approval } });
      expect(r.code, JSON.stringify(approval)).not.toBe(0);
      expect(r.stderr).toMatch(refusal);
    }
    const replaced = await env.cp.kubectl(['replace', '-f', '-', ...alice], {
      input: subscription(ns, 'greetings-premium', '{ decision: Approved, by: alice, at: "2030-01-01T00:00:00Z" }'),
    });
    expect(replaced.code).not.toBe(0);
    expect(replaced.stderr).toMatch(refusal);
    expect(await approvalOf(ns, 'greetings-premium')).toMatchObject({ decision: 'Approved', by: 'bob@example.com', reason: 'looks fine' });

    // The approval stays as it is: everything else is the app team's.
    expect((await patch(ns, 'greetings-premium', alice, { spec: { plan: 'gold' }, metadata: { labels: { team: 'greetings' } } })).code).toBe(0);
    expect((await patch(ns, 'greetings-premium', alice, { spec: { state: 'Revoked' } })).code).toBe(0);
    expect((await env.cp.kubectl(['delete', 'subscription/greetings-premium', '-n', ns, ...alice])).code).toBe(0);

    // An approver changes a decision.
    await env.cp.kubectlOk(['create', '-f', '-', ...bob], { input: subscription(ns, 'again', approved) });
    expect((await patch(ns, 'again', bob, { spec: { approval: { decision: 'Rejected', reason: 'quota exhausted' } } })).code).toBe(0);
    expect(await approvalOf(ns, 'again')).toMatchObject({ decision: 'Rejected', reason: 'quota exhausted' });
  });

  it('does not stand in the way of the operator, which writes status only', async () => {
    const ns = env.namespace;
    await editors(ns);
    await env.cp.kubectlOk(['create', '-f', '-', ...bob], { input: subscription(ns, 'greetings-premium', approved) });
    const operator = await operatorKubeconfig(env.cp);
    // As StatusWriter sends it: a merge patch on the status subresource, which the policy does not match.
    const kc = new KubeConfig();
    kc.loadFromFile(operator.path);
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
      {
        group: 'tollgate.dev',
        version: 'v1alpha1',
        namespace: ns,
        plural: 'subscriptions',
        name: 'greetings-premium',
        body: { status: { phase: 'Active', approvals: [{ decision: 'Approved', by: 'bob@example.com', at: '2030-01-01T00:00:00Z' }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await env.cp.kubectlOk(['get', 'subscription/greetings-premium', '-n', ns, '-o', 'jsonpath={.status.phase}'])).toBe('Active');
  });
});
