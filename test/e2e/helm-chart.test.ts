// The Helm chart (charts/tollgate) with the real Helm (built from the Go module
// proxy by test/control-plane/build.sh) against the real kube-apiserver:
//
// - `helm lint --strict` passes, and values.schema.json refuses a typo or a bad
//   value naming the field;
// - one source of truth: with its defaults the chart renders exactly the objects
//   of `kubectl kustomize config/default` (Helm's own labels and the settings
//   checksum aside), plus the few only the chart has; its crds/ are crds/;
// - ServiceMonitors and the PrometheusRule appear only when the cluster serves
//   monitoring.coreos.com/v1 (.Capabilities);
// - the render passes the API server's strict server-side validation;
// - `helm install` of the previous chart version, the new CRDs applied
//   server-side, then `helm upgrade` (docs/upgrading.md), keeps the publisher
//   token; the approvers in values decide who may set spec.approval.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { chartDir, helmIn, yamlObjects, type Helm } from './support/helm.ts';
import { idOf, kustomize, type Obj } from './support/manifests.ts';

const env = useControlPlane();
const NS = 'tollgate-system';
const PREVIOUS_CHART = join(repoRoot, 'test', 'e2e', 'testdata', 'tollgate-0.1.0.tgz');
// What only the chart has: the token it makes for you, NetworkPolicies (off
// with networkPolicy.enabled=false).
const CHART_ONLY = [
  'NetworkPolicy/tollgate-system/tollgate-gateway',
  'NetworkPolicy/tollgate-system/tollgate-operator',
  'Secret/tollgate-system/tollgate-publisher-token',
];
const HELM_LABELS = ['helm.sh/chart', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/version'];

let dir: string;
let helm: Helm;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-helm-'));
  helm = helmIn(dir, env.cp.kubeconfigPath);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const template = async (...args: string[]): Promise<Obj[]> => yamlObjects(await helm.ok(['template', 'tollgate', chartDir, '--namespace', NS, ...args]));

/** Helm's bookkeeping removed, so the rest must equal the kustomize render. */
function withoutHelm(o: Obj): Obj {
  const c = structuredClone(o) as Obj & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
  for (const l of HELM_LABELS) delete c.metadata.labels?.[l];
  const pod = c.spec?.template?.metadata;
  if (pod?.annotations) {
    delete pod.annotations['checksum/settings'];
    if (Object.keys(pod.annotations).length === 0) delete pod.annotations;
  }
  return c;
}

describe('charts/tollgate', () => {
  it('passes helm lint --strict; values.schema.json refuses a typo and a bad value, naming them', async () => {
    const lint = await helm.run(['lint', '--strict', chartDir]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);

    const typo = await helm.run(['template', 'tollgate', chartDir, '--set', 'gateway.replica=3']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/values don't meet the specifications of the schema/);
    expect(typo.stderr).toMatch(/gateway.*additional properties 'replica' not allowed|'replica'/);
    const bad = await helm.run(['template', 'tollgate', chartDir, '--set', 'operator.settings.issuer=ftp://x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/operator\/settings\/issuer/);
    const portal = await helm.run(['template', 'tollgate', chartDir, '--set', 'portal.enabled=true']);
    expect(portal.stderr).toMatch(/not in this chart version yet; install it with kubectl apply -k config\/portal/);
  });

  it('renders exactly config/default (Helm labels aside) plus the objects only the chart has', async () => {
    const chart = await template('--include-crds', '--set', 'namespace.create=true');
    const { objects: kust } = await kustomize(env.cp, join(repoRoot, 'config', 'default'));
    const chartById = new Map(chart.map((o) => [idOf(o), o]));
    const kustById = new Map(kust.map((o) => [idOf(o), o]));
    expect(
      [...kustById.keys()].filter((id) => !chartById.has(id)),
      'in config/default, not in the chart',
    ).toEqual([]);
    expect([...chartById.keys()].filter((id) => !kustById.has(id)).sort(), 'in the chart, not in config/default').toEqual(CHART_ONLY);
    for (const [id, o] of kustById) expect(withoutHelm(chartById.get(id)!), id).toEqual(o);
    // And every chart object carries Helm's labels, so `helm upgrade` can find it.
    for (const o of chart.filter((x) => x.kind !== 'CustomResourceDefinition'))
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], idOf(o)).toBe('Helm');
  });

  it('ships crds/ unchanged, each kept by Helm and never pruned or deleted by Argo CD', () => {
    const crds = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(readdirSync(join(chartDir, 'crds')).sort()).toEqual(crds.sort());
    for (const f of crds) {
      const text = readFileSync(join(repoRoot, 'crds', f), 'utf8');
      expect(readFileSync(join(chartDir, 'crds', f), 'utf8'), `charts/tollgate/crds/${f} differs from crds/${f}: cp crds/*.yaml charts/tollgate/crds/`).toBe(
        text,
      );
      const [crd] = yamlObjects(text) as Array<Obj & { metadata: { annotations?: Record<string, string> } }>;
      expect(crd!.metadata.annotations).toMatchObject({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    }
  });

  it('renders ServiceMonitors and a PrometheusRule only where the Prometheus operator CRDs are served', async () => {
    const kinds = (objs: Obj[]) =>
      objs
        .filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')
        .map(idOf)
        .sort();
    expect(kinds(await template())).toEqual([]);
    const withOperator = await template(
      '--api-versions',
      'monitoring.coreos.com/v1/ServiceMonitor',
      '--api-versions',
      'monitoring.coreos.com/v1/PrometheusRule',
    );
    expect(kinds(withOperator)).toEqual([
      'PrometheusRule/tollgate-system/tollgate',
      'ServiceMonitor/tollgate-system/tollgate-gateway',
      'ServiceMonitor/tollgate-system/tollgate-operator',
    ]);
    // Each selects exactly the admin Service of its component.
    const services = withOperator.filter((o) => o.kind === 'Service');
    for (const sm of withOperator.filter((o) => o.kind === 'ServiceMonitor') as Array<Obj & { spec: { selector: { matchLabels: Record<string, string> } } }>) {
      const selected = services.filter((s) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
      expect(selected.map((s) => s.metadata.name)).toEqual([`${sm.metadata.name}-admin`]);
    }
    const off = await template('--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor', '--set', 'metrics.serviceMonitor.enabled=false');
    expect(kinds(off)).toEqual([]);
  });

  it('passes the API server strict server-side validation, with every optional part on', async () => {
    await env.cp.kubectlOk(['create', 'namespace', NS]);
    await env.cp.kubectlOk(['create', 'namespace', 'shop']);
    const args = ['--set', 'redis.existingSecret=tollgate-redis', '--set', 'operator.tenantNamespaces={shop}', '--set', 'gateway.service.type=LoadBalancer'];
    const yaml = await helm.ok(['template', 'tollgate', chartDir, '--namespace', NS, ...args]);
    const out = await env.cp.kubectlOk(['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=helm', '-f', '-'], { input: yaml });
    expect(out.trim().split('\n').length).toBe(yamlObjects(yaml).length);
    expect(out).toMatch(/rolebinding.rbac.authorization.k8s.io\/tollgate-operator-credentials serverside-applied \(server dry run\)/);
  });
});

describe('helm install, then upgrade from the previous chart version', () => {
  type Secret = Obj & { data: Record<string, string> };
  const tokenOf = async (): Promise<string> =>
    (JSON.parse(await env.cp.kubectlOk(['get', 'secret', '-n', NS, 'tollgate-publisher-token', '-o', 'json'])) as Secret).data.token!;

  it('installs 0.1.0, applies the new CRDs server-side, upgrades: same token, new objects, two revisions', async () => {
    const install = await helm.ok(['install', 'tollgate', PREVIOUS_CHART, '--namespace', NS, '--create-namespace', '--skip-crds'], { timeoutMs: 120_000 });
    expect(install).toMatch(/STATUS: deployed/);
    const token = await tokenOf();
    expect(Buffer.from(token, 'base64').toString()).toMatch(/^[A-Za-z0-9]{64}$/);

    // docs/upgrading.md: Helm never upgrades crds/, so they go first, server-side.
    await env.cp.kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=tollgate-crds', '-f', join(chartDir, 'crds')]);
    const upgrade = await helm.ok(['upgrade', 'tollgate', chartDir, '--namespace', NS, '--set', 'operator.tenantNamespaces={shop}'], { timeoutMs: 120_000 });
    expect(upgrade).toMatch(/STATUS: deployed/);
    expect(upgrade).toMatch(/REVISION: 2/);
    expect(await tokenOf(), 'the upgrade keeps the token the gateways hold').toBe(token);
    const history = JSON.parse(await helm.ok(['history', 'tollgate', '--namespace', NS, '-o', 'json'])) as Array<{
      revision: number;
      chart: string;
      status: string;
    }>;
    expect(history.map((h) => [h.revision, h.chart, h.status])).toEqual([
      [1, 'tollgate-0.1.0', 'superseded'],
      [2, `tollgate-${chartVersion()}`, 'deployed'],
    ]);
    // What the new version added is there.
    await env.cp.kubectlOk(['get', 'rolebinding', '-n', 'shop', 'tollgate-operator-credentials']);
    expect(upgrade, 'NOTES say how to get the first key').toMatch(/jsonpath='\{\.data\.consumerKey\}' \| base64 -d/);
  });

  it('lets the approvers in values, and only them, set spec.approval', async () => {
    const controller = 'system:serviceaccount:argocd:argocd-application-controller';
    await helm.ok(['upgrade', 'tollgate', chartDir, '--namespace', NS, '--reuse-values', '--set', `approvers.users={${controller}}`], { timeoutMs: 120_000 });
    const ns = await env.cp.newNamespace('approvals');
    const subscription = (approved: boolean) => `apiVersion: tollgate.dev/v1alpha1
kind: Subscription
metadata: { name: s, namespace: ${ns} }
spec:
  application: app
  product: { name: p }
${approved ? "  approval: { decision: Approved, by: reviewers, at: '2026-01-01T00:00:00Z' }\n" : ''}`;
    // The policy is enforced a moment after it changes: retry the refusal until it reads the new approver list.
    let refused = '';
    for (let i = 0; i < 50 && !refused.includes(controller); i++) {
      refused = (await env.cp.kubectl(['apply', '--as=alice', '--as-group=system:masters', '-f', '-'], { input: subscription(true) })).stderr;
      if (!refused.includes(controller)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(refused).toMatch(new RegExp(`spec\\.approval can only be set or changed by members of tollgate:approvers or ${controller}; alice is not one`));
    await env.cp.kubectlOk([`--as=${controller}`, '--as-group=system:masters', 'apply', '-f', '-'], { input: subscription(true) });
    await env.cp.kubectlOk(['--as=bob', '--as-group=tollgate:approvers', '--as-group=system:masters', 'annotate', '-n', ns, 'subscription/s', 'x=y']);
  });
});

function chartVersion(): string {
  return /^version:\s*(\S+)/m.exec(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'))![1]!;
}
