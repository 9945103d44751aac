// The Helm chart (charts/tollgate) with the real Helm (built from the Go module
// proxy by test/control-plane/build.sh) against the real kube-apiserver:
//
// - `helm lint --strict` passes, and values.schema.json refuses a typo or a bad
//   value naming the field;
// - one source of truth: with its defaults the chart renders exactly the objects
//   of `kubectl kustomize config/default` (Helm's own labels and the settings
//   checksum aside), plus the few only the chart has; with the portal, Redis and
//   usage on, exactly config/default + config/portal + config/components/redis
//   and usage (testdata/chart-full); its crds/ are crds/; the portal's and the
//   usage Jobs' command lines parse with the CLI's own flags;
// - ServiceMonitors and the PrometheusRule appear only when the cluster serves
//   monitoring.coreos.com/v1 (.Capabilities);
// - the render passes the API server's strict server-side validation;
// - `helm install` of the previous chart version, the new CRDs applied
//   server-side, then `helm upgrade --reset-then-reuse-values` turning the portal
//   and usage on (docs/upgrading.md), keeps the publisher token and the portal's
//   session key; the approvers in values decide who may set spec.approval.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { chartDir, helmIn, yamlObjects, type Helm } from './support/helm.ts';
import { containerEnv, idOf, kustomize, parseCommandLine, type Deployment, type Obj, type PodSpec } from './support/manifests.ts';

const env = useControlPlane();
const NS = 'tollgate-system';
const PREVIOUS = '0.2.0';
const PREVIOUS_CHART = join(repoRoot, 'test', 'e2e', 'testdata', `tollgate-${PREVIOUS}.tgz`);
// config/ with every optional part (config/portal, the Redis and usage components) and the chart values that match it.
const FULL = join(repoRoot, 'test', 'e2e', 'testdata', 'chart-full');
const FULL_VALUES = join(FULL, 'values.yaml');
// What only the chart has: the token it makes for you, NetworkPolicies (off
// with networkPolicy.enabled=false).
const CHART_ONLY = [
  'NetworkPolicy/tollgate-system/tollgate-gateway',
  'NetworkPolicy/tollgate-system/tollgate-operator',
  'Secret/tollgate-system/tollgate-publisher-token',
];
// With the portal on: its NetworkPolicy, and the RoleBindings that onboard portal.teams (config/portal says to create them by hand).
const CHART_ONLY_FULL = [
  ...CHART_ONLY,
  'NetworkPolicy/tollgate-system/tollgate-portal',
  'RoleBinding/greetings/tollgate-developers',
  'RoleBinding/weather-team/tollgate-developers',
].sort();
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

/**
 * Helm's bookkeeping removed, so the rest must equal the kustomize render. The
 * chart's migration Job is named per revision (a Job's pod template cannot
 * change on upgrade); config/ names it once.
 */
function withoutHelm(o: Obj): Obj {
  const c = structuredClone(o) as Obj & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
  for (const l of HELM_LABELS) delete c.metadata.labels?.[l];
  if (c.kind === 'Job') c.metadata.name = c.metadata.name.replace(/^(tollgate-usage-migrate)-\d+$/, '$1');
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
    // The portal needs the two origins it cannot guess; its approver group must be one the admission policy lets approve.
    const portal = await helm.run(['template', 'tollgate', chartDir, '--set', 'portal.enabled=true']);
    expect(portal.code).not.toBe(0);
    expect(portal.stderr).toMatch(/at '\/portal\/publicUrl': minLength/);
    expect(portal.stderr).toMatch(/at '\/portal\/oidc\/issuer': minLength/);
    const approver = await helm.run(['template', 'tollgate', chartDir, '-f', FULL_VALUES, '--set', 'portal.approverGroup=platform:approvers']);
    expect(approver.code).not.toBe(0);
    expect(approver.stderr).toMatch(/portal.approverGroup "platform:approvers" is not one of approvers.groups \[tollgate:approvers\]/);
    const scopes = await helm.run(['template', 'tollgate', chartDir, '-f', FULL_VALUES, '--set', 'portal.oidc.scopes=email']);
    expect(scopes.stderr).toMatch(/portal\/oidc\/scopes/);
    // Both values files of the repository pass lint.
    const full = await helm.run(['lint', '--strict', chartDir, '-f', FULL_VALUES]);
    expect(full.code, full.stdout + full.stderr).toBe(0);
  });

  it.each([
    ['with its defaults', [] as string[], join(repoRoot, 'config', 'default'), CHART_ONLY],
    ['with the portal, Redis and usage on', ['-f', FULL_VALUES], FULL, CHART_ONLY_FULL],
  ])('renders exactly config/ (Helm labels aside) plus the objects only the chart has, %s', async (_case, values, kustomization, chartOnly) => {
    const chart = await template('--include-crds', '--set', 'namespace.create=true', ...values);
    const { objects: kust } = await kustomize(env.cp, kustomization);
    const chartById = new Map(chart.map((o) => [idOf(withoutHelm(o)), o]));
    const kustById = new Map(kust.map((o) => [idOf(o), o]));
    expect(
      [...kustById.keys()].filter((id) => !chartById.has(id)),
      `in ${kustomization}, not in the chart`,
    ).toEqual([]);
    expect([...chartById.keys()].filter((id) => !kustById.has(id)).sort(), `in the chart, not in ${kustomization}`).toEqual(chartOnly);
    for (const [id, o] of kustById) expect(withoutHelm(chartById.get(id)!), id).toEqual(o);
    // And every chart object carries Helm's labels, so `helm upgrade` can find it.
    for (const o of chart.filter((x) => x.kind !== 'CustomResourceDefinition'))
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], idOf(o)).toBe('Helm');
  });

  it('gives the portal and the usage Jobs command lines the CLI accepts, hardened pods and each Secret they read', async () => {
    const chart = await template('-f', FULL_VALUES, '--set', 'portal.session.existingSecret=', '--set', 'portal.oidc.existingSecret=');
    const secrets = { 'tollgate-redis/url': 'redis://r:6379', 'tollgate-usage/url': 'postgres://u:p@db:5432/tollgate' };
    const pod = { name: 'p-0', namespace: NS, ip: '10.0.0.9' };
    const portal = chart.find((o) => o.kind === 'Deployment' && o.metadata.name === 'tollgate-portal') as Deployment;
    const [c] = portal.spec.template.spec.containers;
    const parsed = await parseCommandLine(c!.args!, containerEnv(c!, pod, secrets));
    expect(parsed.command).toBe('portal');
    expect(parsed.options).toMatchObject({
      port: 8090,
      operator: 'http://tollgate-operator:8081',
      publicUrl: 'https://developer.example.com',
      gatewayUrl: ['https://api.example.com'],
      oidcIssuer: 'https://idp.example.com',
      teamGroupPrefix: 'tollgate:team:',
      approverGroup: 'tollgate:approvers',
      redis: 'redis://r:6379',
      sessionKeyFile: '/var/run/tollgate/session/key',
    });
    expect(parsed.options.oidcClientSecretFile, 'no client secret: a public client').toBeUndefined();
    expect([c!.readinessProbe?.httpGet?.path, c!.livenessProbe?.httpGet?.path]).toEqual(['/readyz', '/healthz']);
    // The session key the chart made is the one mounted.
    const session = chart.find((o) => o.kind === 'Secret' && o.metadata.name === 'tollgate-portal-session') as Obj & { data: { key: string } };
    expect(Buffer.from(session.data.key, 'base64').toString()).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(portal.spec.template.spec.volumes?.find((v) => v.name === 'session')?.secret).toEqual({
      secretName: 'tollgate-portal-session',
      items: [{ key: 'key', path: 'key' }],
    });
    // The usage Jobs: `tollgate usage migrate` and `rollup` with the DSN from the Secret, no API access.
    type CronJob = Obj & { spec: { schedule: string; jobTemplate: { spec: { template: { spec: PodSpec } } } } };
    const jobs = chart.flatMap((o): Array<[string, PodSpec]> => {
      if (o.kind === 'Job') return [[o.metadata.name, (o as Obj & { spec: { template: { spec: PodSpec } } }).spec.template.spec]];
      if (o.kind === 'CronJob') return [[o.metadata.name, (o as CronJob).spec.jobTemplate.spec.template.spec]];
      return [];
    });
    expect(jobs.map(([n]) => n).sort()).toEqual(['tollgate-usage-invoice', 'tollgate-usage-migrate-1', 'tollgate-usage-rollup']);
    const commands: string[] = [];
    for (const [name, spec] of [...jobs, ['tollgate-portal', portal.spec.template.spec] as [string, PodSpec]]) {
      for (const k of spec.containers) {
        expect(k.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(k.resources?.limits?.memory, name).toBeDefined();
      }
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
      if (name === 'tollgate-portal') continue;
      const job = await parseCommandLine(spec.containers[0]!.args!, containerEnv(spec.containers[0]!, pod, secrets));
      expect(job.options.database, name).toBe('postgres://u:p@db:5432/tollgate');
      commands.push(job.command);
      // Only the billing Job reads the cluster (test/e2e/usage-invoice-cluster.test.ts runs it as that identity).
      if (job.command === 'usage invoice') {
        expect([spec.serviceAccountName, job.options.month, job.options.save, job.options.resourcesFromCluster]).toEqual([
          'tollgate-usage-billing',
          'previous',
          true,
          true,
        ]);
      } else expect([spec.serviceAccountName, spec.automountServiceAccountToken], name).toEqual([undefined, false]);
    }
    expect(commands.sort()).toEqual(['usage invoice', 'usage migrate', 'usage rollup']);
    // Gateways and operator read the same store.
    for (const name of ['tollgate-gateway', 'tollgate-operator']) {
      const d = chart.find((o) => o.kind === 'Deployment' && o.metadata.name === name) as Deployment;
      const env = d.spec.template.spec.containers[0]!.env ?? [];
      expect(env.find((v) => v.name === 'TOLLGATE_USAGE_DATABASE')?.valueFrom?.secretKeyRef, name).toEqual({ name: 'tollgate-usage', key: 'url' });
    }
    // The operator's publisher lets the portal in (its view), as it does gateways.
    const np = chart.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'tollgate-operator') as Obj & {
      spec: { ingress: Array<{ from?: Array<{ podSelector?: { matchLabels: Record<string, string> } }> }> };
    };
    expect(np.spec.ingress[0]!.from!.map((f) => f.podSelector?.matchLabels['app.kubernetes.io/component'])).toEqual(['gateway', 'operator', 'portal']);
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
    for (const ns of [NS, 'shop', 'greetings', 'weather-team']) await env.cp.kubectlOk(['create', 'namespace', ns]);
    const args = [
      '-f',
      FULL_VALUES,
      '--set',
      'operator.tenantNamespaces={shop}',
      '--set',
      'gateway.service.type=LoadBalancer',
      '--set',
      'portal.service.type=NodePort',
      '--set',
      'portal.session.existingSecret=',
      '--set',
      'portal.anonymous=true',
    ];
    const yaml = await helm.ok(['template', 'tollgate', chartDir, '--namespace', NS, ...args]);
    const out = await env.cp.kubectlOk(['apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=helm', '-f', '-'], { input: yaml });
    expect(out.trim().split('\n').length).toBe(yamlObjects(yaml).length);
    expect(out).toMatch(/rolebinding.rbac.authorization.k8s.io\/tollgate-operator-credentials serverside-applied \(server dry run\)/);
    for (const o of [
      'deployment.apps/tollgate-portal',
      'cronjob.batch/tollgate-usage-rollup',
      'cronjob.batch/tollgate-usage-invoice',
      'job.batch/tollgate-usage-migrate-1',
      'secret/tollgate-portal-session',
    ])
      expect(out).toContain(`${o} serverside-applied (server dry run)`);
  });
});

describe('helm install, then upgrade from the previous chart version', () => {
  type Secret = Obj & { data: Record<string, string> };
  const secretValue = async (name: string, key: string): Promise<string> =>
    (JSON.parse(await env.cp.kubectlOk(['get', 'secret', '-n', NS, name, '-o', 'json'])) as Secret).data[key]!;
  const tokenOf = () => secretValue('tollgate-publisher-token', 'token');
  const jobs = async (): Promise<string[]> =>
    (JSON.parse(await env.cp.kubectlOk(['get', 'jobs', '-n', NS, '-o', 'json'])) as { items: Obj[] }).items.map((j) => j.metadata.name).sort();
  let sessionKey = '';

  it(`installs ${PREVIOUS}, applies the new CRDs server-side, upgrades turning the portal and usage on: same token, new objects, two revisions`, async () => {
    const install = await helm.ok(
      ['install', 'tollgate', PREVIOUS_CHART, '--namespace', NS, '--create-namespace', '--skip-crds', '--set', 'redis.existingSecret=tollgate-redis'],
      {
        timeoutMs: 120_000,
      },
    );
    expect(install).toMatch(/STATUS: deployed/);
    const token = await tokenOf();
    expect(Buffer.from(token, 'base64').toString()).toMatch(/^[A-Za-z0-9]{64}$/);

    // docs/upgrading.md: Helm never upgrades crds/, so they go first, server-side.
    await env.cp.kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=tollgate-crds', '-f', join(chartDir, 'crds')]);
    // --reset-then-reuse-values: the values given at install (redis) plus the new chart's defaults for keys it added.
    const upgrade = await helm.ok(
      [
        'upgrade',
        'tollgate',
        chartDir,
        '--namespace',
        NS,
        '--reset-then-reuse-values',
        '-f',
        FULL_VALUES,
        '--set',
        'portal.session.existingSecret=',
        '--set',
        'operator.tenantNamespaces={shop}',
      ],
      { timeoutMs: 120_000 },
    );
    expect(upgrade).toMatch(/STATUS: deployed/);
    expect(upgrade).toMatch(/REVISION: 2/);
    expect(await tokenOf(), 'the upgrade keeps the token the gateways hold').toBe(token);
    const history = JSON.parse(await helm.ok(['history', 'tollgate', '--namespace', NS, '-o', 'json'])) as Array<{
      revision: number;
      chart: string;
      status: string;
    }>;
    expect(history.map((h) => [h.revision, h.chart, h.status])).toEqual([
      [1, `tollgate-${PREVIOUS}`, 'superseded'],
      [2, `tollgate-${chartVersion()}`, 'deployed'],
    ]);
    // What the new version added is there.
    await env.cp.kubectlOk(['get', 'rolebinding', '-n', 'shop', 'tollgate-operator-credentials']);
    await env.cp.kubectlOk(['get', 'rolebinding', '-n', 'greetings', 'tollgate-developers']);
    const portal = JSON.parse(await env.cp.kubectlOk(['get', 'deployment', '-n', NS, 'tollgate-portal', '-o', 'json'])) as Deployment;
    expect(portal.spec.template.spec.containers[0]!.env, 'the Redis given at install reaches the new portal').toEqual([
      { name: 'TOLLGATE_REDIS_URL', valueFrom: { secretKeyRef: { name: 'tollgate-redis', key: 'url' } } },
    ]);
    sessionKey = await secretValue('tollgate-portal-session', 'key');
    expect(await jobs()).toEqual(['tollgate-usage-migrate-2']);
    await env.cp.kubectlOk(['get', 'cronjob', '-n', NS, 'tollgate-usage-rollup', 'tollgate-usage-invoice']);
    expect(upgrade, 'NOTES say how to get the first key').toMatch(/jsonpath='\{\.data\.consumerKey\}' \| base64 -d/);
    expect(upgrade, 'and how to reach the portal').toMatch(/kubectl -n tollgate-system port-forward svc\/tollgate-portal 8090:80/);
  });

  it('lets the approvers in values, and only them, set spec.approval', async () => {
    const controller = 'system:serviceaccount:argocd:argocd-application-controller';
    await helm.ok(['upgrade', 'tollgate', chartDir, '--namespace', NS, '--reuse-values', '--set', `approvers.users={${controller}}`], { timeoutMs: 120_000 });
    expect(await secretValue('tollgate-portal-session', 'key'), 'an upgrade keeps the portal sessions').toBe(sessionKey);
    expect(await jobs(), 'one migration Job per revision, the previous one deleted').toEqual(['tollgate-usage-migrate-3']);
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
