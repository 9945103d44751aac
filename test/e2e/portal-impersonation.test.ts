// The portal's cluster backend against the real kube-apiserver: it acts as the
// signed-in developer through impersonation, with the portal's own identity from
// config/portal (a ServiceAccount token that may only impersonate). What refuses
// another team below is the API server's RBAC, and the approval policy
// (config/admission) for a developer approving their own subscription.
import { KubeConfig } from '@kubernetes/client-node';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PortalView } from '../../operator/portal-view/portal-view.ts';
import { DEFAULT_GROUP_MAPPING, userFromClaims, type PortalUser } from '../../portal/access/user.ts';
import { KubePortalBackend } from '../../portal/backend/kube-backend.ts';
import { PortalError } from '../../portal/backend/portal-error.ts';
import { kubeRequest } from '../../portal/kube/kube-request.ts';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';

const env = useControlPlane();
let teamA: string;
let teamB: string;
let backend: KubePortalBackend;
let portalKc: KubeConfig;
const view: PortalView = { products: [], apis: [], applications: [], subscriptions: [] };

const user = (id: string, groups: string[]): PortalUser => ({ id, name: id, groups, teams: [], approver: groups.includes('tollgate:approvers') });
const alice = () => user('alice@a.example', [`tollgate:team:${teamA}`]);
const bob = () => user('bob@b.example', [`tollgate:team:${teamB}`]);
const carol = () => user('carol@platform.example', ['tollgate:approvers']);

async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PortalError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** A kubeconfig holding only the portal ServiceAccount's token. */
async function portalKubeconfig(): Promise<string> {
  const token = (await env.cp.kubectlOk(['create', 'token', 'tollgate-portal', '-n', 'tollgate-system', '--duration=2h'])).trim();
  const admin = JSON.parse(await readFile(env.cp.kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }> };
  const path = join(env.cp.dir, 'portal.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: admin.clusters[0]!.cluster }],
    users: [{ name: 'portal', user: { token } }],
    contexts: [{ name: 'portal', context: { cluster: 'test', user: 'portal' } }],
    'current-context': 'portal',
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  await env.cp.kubectl(['create', 'namespace', 'tollgate-system']);
  await env.cp.kubectlOk(['apply', '-k', join(repoRoot, 'config', 'admission')]);
  await env.cp.kubectlOk(['apply', '-k', join(repoRoot, 'config', 'portal')]);
  teamA = await env.cp.newNamespace('team-a');
  teamB = await env.cp.newNamespace('team-b');
  for (const ns of [teamA, teamB]) {
    await env.cp.kubectlOk(['create', 'rolebinding', 'tollgate-developers', '-n', ns, '--clusterrole=tollgate-developer', `--group=tollgate:team:${ns}`]);
    // Onboarding a team: the portal may now act as its group (config/portal/impersonator-cluster-role.yaml).
    await env.cp.kubectlOk([
      'patch',
      'clusterrole',
      'tollgate-portal-impersonator',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'add', path: '/rules/1/resourceNames/-', value: `tollgate:team:${ns}` }]),
    ]);
  }
  portalKc = new KubeConfig();
  portalKc.loadFromFile(await portalKubeconfig());
  backend = new KubePortalBackend(portalKc, () => view);
  await backend.apply(
    alice(),
    { kind: 'createApplication', namespace: teamA, name: 'shop', displayName: 'Shop', owner: { email: 'alice@a.example', name: 'Alice' } },
    false,
  );
  await backend.apply(
    alice(),
    { kind: 'subscribe', namespace: teamA, name: 'shop-premium', application: 'shop', product: { namespace: 'platform', name: 'premium' } },
    false,
  );
  // The policy takes effect once the API server has loaded and type-checked it: probe with a dry run until it refuses.
  const probe = {
    kind: 'decide',
    namespace: teamA,
    name: 'shop-premium',
    decision: 'Approved',
    by: 'alice',
    at: '2030-01-01T00:00:00Z',
    reason: 'probe',
  } as const;
  for (const start = performance.now(); ;) {
    const r = await backend.apply(alice(), probe, true).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (r instanceof PortalError && /tollgate:approvers/.test(r.message)) break;
    if (performance.now() - start > 30_000) throw new Error(`the approval policy never took effect: ${String(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  // The operator's credential Secret for shop/default, as it would write it.
  await env.cp.kubectlOk([
    'create',
    'secret',
    'generic',
    'shop.default',
    '-n',
    teamA,
    '--from-literal=consumerKey=tg_test_key',
    '--from-literal=consumerSecret=tgs_test_secret',
  ]);
}, 120_000);

describe('the portal through impersonation (config/portal, real kube-apiserver)', () => {
  it("acts as the developer: alice's Application is created in her team's namespace, as she would apply it", async () => {
    const owner = await env.cp.kubectlOk(['get', 'application/shop', '-n', teamA, '-o', 'jsonpath={.spec.owner.email}']);
    expect(owner).toBe('alice@a.example');
    view.applications = [
      {
        id: `${teamA}/shop`,
        namespace: teamA,
        name: 'shop',
        displayName: 'Shop',
        description: '',
        owner: '',
        suspended: false,
        credentials: [{ name: 'default', state: 'Active' }],
      },
    ];
    expect(await backend.reveal(alice(), `${teamA}/shop`, 'default')).toEqual({ consumerKey: 'tg_test_key', consumerSecret: 'tgs_test_secret' });
    const dry = await backend.apply(alice(), { kind: 'addCredential', namespace: teamA, application: 'shop', credential: 'next' }, true);
    expect(dry.yaml).toContain('name: next');
  });

  it("refuses team B's developer team A's application, keys and subscription at the API server (403)", async () => {
    const create = await refusal(
      backend.apply(bob(), { kind: 'createApplication', namespace: teamA, name: 'sneaky', displayName: 'x', owner: { email: 'b@b', name: 'b' } }, false),
    );
    const rotate = await refusal(backend.apply(bob(), { kind: 'addCredential', namespace: teamA, application: 'shop', credential: 'stolen' }, false));
    const unsubscribe = await refusal(backend.apply(bob(), { kind: 'unsubscribe', namespace: teamA, name: 'shop-premium' }, false));
    expect([create.status, rotate.status, unsubscribe.status]).toEqual([403, 403, 403]);
    expect(create.message).toMatch(/User "bob@b.example" cannot create resource "applications"/);
    expect(await backend.reveal(bob(), `${teamA}/shop`, 'default')).toBeUndefined();
    const secret = await kubeRequest(portalKc, 'GET', `/api/v1/namespaces/${teamA}/secrets/shop.default`, bob());
    expect(secret.status).toBe(403);
  });

  it('lets only an approver approve: the admission policy refuses the developer, RBAC lets the approver', async () => {
    const at = '2030-01-01T00:00:00Z';
    const self = await refusal(
      backend.apply(alice(), { kind: 'decide', namespace: teamA, name: 'shop-premium', decision: 'Approved', by: 'alice', at, reason: 'mine' }, false),
    );
    expect(self.message).toMatch(/tollgate:approvers/);
    await backend.apply(
      carol(),
      { kind: 'decide', namespace: teamA, name: 'shop-premium', decision: 'Approved', by: 'carol', at, reason: 'contract signed' },
      false,
    );
    expect(await env.cp.kubectlOk(['get', 'subscription/shop-premium', '-n', teamA, '-o', 'jsonpath={.spec.approval.by}'])).toBe('carol');
  });

  it('acts for a developer whose IdP also asserts groups the portal may not impersonate', async () => {
    const dana = userFromClaims(
      { sub: 'd', email: 'dana@a.example', groups: [`tollgate:team:${teamA}`, 'everyone', 'system:masters'] },
      DEFAULT_GROUP_MAPPING,
    )!;
    const dry = await backend.apply(
      dana,
      { kind: 'createApplication', namespace: teamA, name: 'dana-app', displayName: 'Dana', owner: { email: 'dana@a.example', name: 'Dana' } },
      true,
    );
    expect(dry.yaml).toContain('name: dana-app');
  });

  it('gives the portal itself nothing but impersonation, and only of the groups config/portal names', async () => {
    const own = await kubeRequest(portalKc, 'GET', `/apis/tollgate.dev/v1alpha1/namespaces/${teamA}/applications`, undefined);
    expect(own.status).toBe(403);
    const unlisted = await kubeRequest(
      portalKc,
      'GET',
      `/apis/tollgate.dev/v1alpha1/namespaces/${teamA}/applications`,
      user('mallory', ['tollgate:team:kube-system']),
    );
    expect(unlisted.status).toBe(403);
    expect(String(unlisted.body.message)).toMatch(/cannot impersonate resource "groups"/);
  });
});
