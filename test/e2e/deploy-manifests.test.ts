// The install manifests (config/default: crds/, config/rbac, config/admission,
// config/deploy) against the real kube-apiserver and the real CLI:
//
// - `kubectl kustomize config/default` renders, and the API server accepts every
//   object in a server-side dry run (client-side and server-side apply, strict
//   field validation, the "restricted" Pod Security level);
// - every flag in the Deployments' args is parsed by the CLI's own commander
//   definitions (cli/commands/operator.ts, cli/commands/gateway.ts), with the env the
//   kubelet would give the container: a renamed or misspelled flag fails here;
// - the pieces fit: the operator runs as the ServiceAccount config/rbac binds, in
//   the namespace of its Roles; the gateway polls the operator's publisher Service
//   with the operator's token Secret and mounts the signing-keys Secret the
//   operator writes (operator/tokens/secret-signing-keys.ts).
//
// The control plane is this file's own (useControlPlane), so the Namespace and
// config/rbac applied for real below touch no other test file; everything
// cluster-scoped from the render (CRDs aside, which the control plane already
// has) is only dry-run.
import type { CoreV1Api } from '@kubernetes/client-node';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretSigningKeys, SIGNING_KEYS_FIELD } from '../../operator/tokens/secret-signing-keys.ts';
import { DEFAULT_POLICY } from '../../operator/tokens/signing-key-policy.ts';
import { repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT } from './operator-identity.ts';
import {
  containerEnv,
  expandArgs,
  idOf,
  kustomize,
  optionEnvVars,
  parseCommandLine,
  type Container,
  type Deployment,
  type Obj,
  type ParsedCommandLine,
  type PodSpec,
  type Volume,
} from './support/manifests.ts';

const env = useControlPlane();
const config = join(repoRoot, 'config');
const IMAGE = 'ghcr.io/tollgate-dev/tollgate:0.1.0';
const POD_IP = '10.1.2.3';

let objects: Obj[];
let rendered: string;

beforeAll(async () => {
  ({ yaml: rendered, objects } = await kustomize(env.cp, join(config, 'default')));
}, 60_000);

const configMaps = (): Record<string, Record<string, string>> =>
  Object.fromEntries(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o as Obj & { data: Record<string, string> }).data]));

const find = <T extends Obj = Obj>(kind: string, name: string, namespace?: string): T => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} in the render of config/default`);
  return o as T;
};
const deployment = (name: string) => find<Deployment>('Deployment', name);
const only = <T>(items: T[], what: string): T => {
  expect(items, what).toHaveLength(1);
  return items[0]!;
};

/** The container's command line as `bin/tollgate` (the image's entrypoint) parses it in the pod. */
async function parsedArgs(d: Deployment, secrets: Record<string, string> = {}, mangle: (args: string[]) => string[] = (a) => a): Promise<ParsedCommandLine> {
  const c = only(d.spec.template.spec.containers, `${d.metadata.name}'s containers`);
  const podEnv = containerEnv(c, { name: `${d.metadata.name}-5d8f7c9b4-x2x7q`, namespace: d.metadata.namespace!, ip: POD_IP }, secrets, configMaps());
  const args = expandArgs(c.args ?? [], podEnv);
  for (const a of args) expect(a, `${d.metadata.name}: an unresolved $(VAR) in its args`).not.toMatch(/\$\(/);
  return parseCommandLine(mangle(args), podEnv);
}

/** The Secret and key behind a file path in a container, through its volume mounts. */
function secretFile(spec: PodSpec, c: Container, file: string): { secret: string; key: string; volume: Volume } {
  const mount = only(
    (c.volumeMounts ?? []).filter((m) => file.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)),
    `the mount holding ${file}`,
  );
  const volume = only(
    (spec.volumes ?? []).filter((v) => v.name === mount.name),
    `the volume ${mount.name}`,
  );
  expect(volume.secret, `${file} is on a Secret volume`).toBeDefined();
  const path = relative(mount.mountPath, file);
  // With items, only the listed keys appear, each at its path; without, every key at its own name.
  const key = volume.secret!.items ? volume.secret!.items.find((i) => i.path === path)?.key : path;
  expect(key, `${file}: no key of Secret ${volume.secret!.secretName} is mounted there`).toBeDefined();
  return { secret: volume.secret!.secretName, key: key!, volume };
}

function writableDir(spec: PodSpec, c: Container, dir: string): Volume {
  const mount = only(
    (c.volumeMounts ?? []).filter((m) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`)),
    `the mount holding ${dir}`,
  );
  expect(mount.readOnly, `${dir} is writable`).not.toBe(true);
  return only(
    (spec.volumes ?? []).filter((v) => v.name === mount.name),
    `the volume ${mount.name}`,
  );
}

const portNumber = (c: Container, port: string | number) => (typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort);

describe('config/default', () => {
  it('renders crds/, config/rbac, config/admission and config/deploy, and no Secret', async () => {
    const parts = await Promise.all(['crds', 'config/rbac', 'config/admission', 'config/deploy'].map((d) => kustomize(env.cp, join(repoRoot, d))));
    expect(objects.map(idOf).sort()).toEqual(parts.flatMap((p) => p.objects.map(idOf)).sort());
    // Every CRD file in crds/ (the files `kubectl apply -f crds/` takes) is in crds/Kustomization.
    const crdFiles = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml'));
    expect(crdFiles.length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).toHaveLength(crdFiles.length);
    // The token Secrets are the user's (publisher token) or the operator's (signing keys): none committed.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(find('Namespace', 'tollgate-system')).toBeDefined();
  });

  it('is accepted by the real API server: client-side and server-side apply, dry run, strict fields, restricted Pod Security', async () => {
    // Namespaced objects validate only in an existing namespace: create it for real
    // (from the render, so its labels are what a cluster gets: Pod Security "restricted").
    const namespaces = objects.filter((o) => o.kind === 'Namespace');
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: namespaces.map((n) => JSON.stringify(n)).join('\n') });

    // Client-side apply is `kubectl apply -k`; server-side apply with forced
    // conflicts is Argo CD's ServerSideApply=true. Unforced server-side apply of
    // the CRDs, which the control plane applied itself, must find nothing to fight
    // over: the render says exactly what crds/*.yaml says.
    for (const mode of [
      [],
      ['--server-side', '--field-manager=tollgate-install'],
      ['--server-side', '--force-conflicts', '--field-manager=argocd-controller'],
    ]) {
      const r = await env.cp.kubectl(['apply', ...mode, '--dry-run=server', '--validate=strict', '-o', 'json', '-f', '-'], {
        input: rendered,
        timeoutMs: 60_000,
      });
      expect(r.code, `kubectl apply ${mode.join(' ')} --dry-run=server:\n${r.stderr}`).toBe(0);
      // Pod Security warns (namespace label warn: restricted) for a Deployment whose pods it would refuse.
      expect(r.stderr).not.toMatch(/would violate PodSecurity/);
      const out = JSON.parse(r.stdout) as { kind: string; items?: Obj[] };
      const accepted = out.kind === 'List' ? out.items! : [out as unknown as Obj];
      expect(accepted.map(idOf).sort()).toEqual(objects.map(idOf).sort());
      // The server kept what matters (nothing pruned as an unknown field).
      const gw = accepted.find((o) => o.kind === 'Deployment' && o.metadata.name === 'tollgate-gateway') as Deployment;
      expect(gw.spec.template.spec.automountServiceAccountToken).toBe(false);
      expect(gw.spec.template.spec.containers[0]!.securityContext?.readOnlyRootFilesystem).toBe(true);
    }

    // The Pod Security check above can fail: the same gateway with its capabilities kept is warned about.
    const weakened = structuredClone(deployment('tollgate-gateway'));
    delete weakened.spec.template.spec.containers[0]!.securityContext!.capabilities;
    const r = await env.cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(weakened) });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/would violate PodSecurity "restricted:latest".*capabilities/);
  });
});

describe('the Deployments against the CLI', () => {
  it('every flag in their args is one `tollgate operator` / `tollgate gateway` accepts, with valid values', async () => {
    const deployments = objects.filter((o): o is Deployment => o.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['tollgate-gateway', 'tollgate-operator']);
    for (const d of deployments) {
      const c = only(d.spec.template.spec.containers, 'containers');
      expect(c.image).toBe(IMAGE);
      expect(c.command, `${d.metadata.name}: the image's entrypoint (bin/tollgate) runs it`).toBeUndefined();
      const parsed = await parsedArgs(d);
      expect(parsed.command).toBe(d.metadata.labels?.['app.kubernetes.io/component']);
      // Every env var is one the command reads: an option's .env(), or POD_IP
      // (operator/run-operator.ts: the default --advertise-url).
      const known = [...optionEnvVars(parsed.command), ...(parsed.command === 'operator' ? ['POD_IP'] : [])];
      for (const v of c.env ?? []) expect(known, `${d.metadata.name}: env ${v.name} is read by tollgate ${parsed.command}`).toContain(v.name);
      // And so is every key of the settings ConfigMap it takes its env from (a misspelt key would be silently ignored).
      for (const from of c.envFrom ?? [])
        for (const key of Object.keys(configMaps()[from.configMapRef!.name]!)) expect(known, `${d.metadata.name}: ConfigMap key ${key}`).toContain(key);
    }
  });

  it('a misspelled or renamed flag, or a bad value, is refused by the same parse', async () => {
    const op = deployment('tollgate-operator');
    const gw = deployment('tollgate-gateway');
    const rename = (from: string, to: string) => (args: string[]) => {
      expect(args.some((a) => a.startsWith(from))).toBe(true);
      return args.map((a) => (a.startsWith(from) ? to + a.slice(from.length) : a));
    };
    await expect(parsedArgs(op, {}, rename('--publisher-port', '--publisher-prot'))).rejects.toThrow(/unknown option '--publisher-prot/);
    await expect(parsedArgs(gw, {}, rename('--operator-token-file', '--operator-token'))).rejects.toThrow(/unknown option '--operator-token=/);
    await expect(parsedArgs(gw, {}, rename('--drain-timeout=', '--drain-timeout=-1'))).rejects.toThrow(/--drain-timeout <ms>' argument '-1/);
    await expect(parsedArgs(op, {}, (a) => [...a, '--advertise-url=ftp://x'])).rejects.toThrow(/must be an http/);
  });

  it('operator: the ServiceAccount config/rbac binds, its Lease namespace, probes on its admin port, POD_IP for --advertise-url', async () => {
    const d = deployment('tollgate-operator');
    const spec = d.spec.template.spec;
    const c = spec.containers[0]!;
    const { options: o } = await parsedArgs(d);
    expect(d.spec.replicas).toBe(2);

    // The same identity the RBAC e2e test (rbac.test.ts) proves sufficient and minimal.
    expect([spec.serviceAccountName, d.metadata.namespace]).toEqual([OPERATOR_SERVICE_ACCOUNT, OPERATOR_NAMESPACE]);
    expect(spec.automountServiceAccountToken).not.toBe(false);
    find('ServiceAccount', spec.serviceAccountName!, d.metadata.namespace);
    const subject = { kind: 'ServiceAccount', name: spec.serviceAccountName, namespace: d.metadata.namespace };
    type Binding = Obj & { roleRef: { kind: string; name: string }; subjects: unknown[] };
    const bound = objects.filter(
      (x): x is Binding =>
        (x.kind === 'ClusterRoleBinding' || x.kind === 'RoleBinding') && (x as Binding).subjects.some((s) => JSON.stringify(s) === JSON.stringify(subject)),
    );
    expect(bound.map((b) => `${b.kind}/${b.roleRef.name}`).sort()).toEqual([
      'ClusterRoleBinding/tollgate-operator',
      'RoleBinding/tollgate-operator-leader-election',
      'RoleBinding/tollgate-operator-signing-keys',
    ]);
    // Its Roles (the Lease, the signing-keys Secret) are where --lease-namespace points.
    expect(o.leaseNamespace).toBe(d.metadata.namespace);
    for (const b of bound.filter((x) => x.kind === 'RoleBinding')) expect(b.metadata.namespace).toBe(o.leaseNamespace);

    // And those bindings really grant it, on the real API server, what this Deployment's flags make it do.
    await env.cp.kubectlOk(['apply', '-k', join(config, 'rbac')]);
    const user = `--as=system:serviceaccount:${d.metadata.namespace}:${spec.serviceAccountName}`;
    const can = async (...args: string[]) => (await env.cp.kubectl(['auth', 'can-i', user, ...args])).code === 0;
    expect(await can('update', 'leases/tollgate-operator', '-n', String(o.leaseNamespace))).toBe(true);
    expect(await can('get', `secrets/${signingKeysSecret()}`, '-n', String(o.leaseNamespace))).toBe(true);
    expect(await can('watch', 'apis.tollgate.dev', '--all-namespaces')).toBe(true);
    expect(await can('get', 'secrets/other', '-n', String(o.leaseNamespace))).toBe(false);

    // Probes on the port --admin-port opens.
    expect([c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path]).toEqual(['/readyz', '/healthz']);
    expect(portNumber(c, c.readinessProbe!.httpGet!.port)).toBe(o.adminPort);
    expect(portNumber(c, c.livenessProbe!.httpGet!.port)).toBe(o.adminPort);
    // Followers find the leader at http://$POD_IP:<publisher port> (no --advertise-url given).
    expect(o.advertiseUrl).toBeUndefined();
    expect(c.env?.find((v) => v.name === 'POD_IP')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
    expect(o.identity, 'the Lease holder is the pod').toMatch(/^tollgate-operator-/);
    expect(o.tokenFile, 'the publisher refuses gateways without the token').toBeDefined();
    expect(o.issuer).toMatch(/^https:\/\//);
    hardened(spec, c);
    writableDir(spec, c, '/tmp');
    disruptionBudget(d);
  });

  it("gateway: polls the publisher Service with the operator's token, mounts the operator's signing keys, no API token, drains before it is killed", async () => {
    const op = deployment('tollgate-operator');
    const d = deployment('tollgate-gateway');
    const spec = d.spec.template.spec;
    const c = spec.containers[0]!;
    const { options: o } = await parsedArgs(d);
    const { options: opOptions } = await parsedArgs(op);
    expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(d.metadata.namespace).toBe(op.metadata.namespace);

    // --operator: a Service in this namespace whose port leads to the operator's --publisher-port.
    const url = new URL(String(o.operator));
    expect(url.protocol).toBe('http:');
    const [serviceName, serviceNs = d.metadata.namespace] = url.hostname.split('.');
    expect(url.hostname).toMatch(new RegExp(`^${serviceName}(\\.${serviceNs}(\\.svc(\\.cluster\\.local)?)?)?$`));
    type Service = Obj & { spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> } };
    const svc = find<Service>('Service', serviceName!, serviceNs);
    expect(svc.spec.selector).toEqual(op.spec.selector.matchLabels);
    const svcPort = only(
      svc.spec.ports.filter((p) => p.port === Number(url.port || 80)),
      `Service ${svc.metadata.name} port ${url.port}`,
    );
    expect(portNumber(op.spec.template.spec.containers[0]!, svcPort.targetPort)).toBe(opOptions.publisherPort);

    // The same Secret and key for the token on both sides, and it is the user's to create.
    const gwToken = secretFile(spec, c, String(o.operatorTokenFile));
    const opToken = secretFile(op.spec.template.spec, op.spec.template.spec.containers[0]!, String(opOptions.tokenFile));
    expect([gwToken.secret, gwToken.key]).toEqual([opToken.secret, opToken.key]);
    expect([gwToken.secret, gwToken.key]).toEqual(['tollgate-publisher-token', 'token']);
    expect(gwToken.volume.secret!.optional, 'no gateway without the token').not.toBe(true);

    // The signing keys: the Secret the operator writes, in its lease namespace, under its one key.
    const keys = secretFile(spec, c, String(o.signingKeys));
    expect([keys.secret, keys.key]).toEqual([signingKeysSecret(), SIGNING_KEYS_FIELD]);
    expect(d.metadata.namespace).toBe(opOptions.leaseNamespace);
    // The operator creates it once it leads with --issuer: gateways must start before.
    expect(keys.volume.secret!.optional).toBe(true);
    type Role = Obj & { rules: Array<{ resources: string[]; resourceNames?: string[] }> };
    expect(find<Role>('Role', 'tollgate-operator-signing-keys', opOptions.leaseNamespace as string).rules.flatMap((r) => r.resourceNames ?? [])).toContain(
      keys.secret,
    );

    // No Kubernetes API access at all.
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(objects.filter((x) => JSON.stringify((x as { subjects?: unknown }).subjects ?? []).includes(`"${spec.serviceAccountName ?? 'default'}"`))).toEqual(
      [],
    );

    // The last good snapshot on a writable emptyDir.
    expect(writableDir(spec, c, String(o.stateDir)).emptyDir).toBeDefined();
    expect(writableDir(spec, c, '/tmp').emptyDir).toBeDefined();
    // Probes on --admin-port; the Service on --proxy-port.
    expect([c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path]).toEqual(['/readyz', '/healthz']);
    expect(portNumber(c, c.readinessProbe!.httpGet!.port)).toBe(o.adminPort);
    expect(portNumber(c, c.livenessProbe!.httpGet!.port)).toBe(o.adminPort);
    const proxy = find<Service>('Service', 'tollgate-gateway', d.metadata.namespace);
    expect(proxy.spec.selector).toEqual(d.spec.selector.matchLabels);
    expect(portNumber(c, only(proxy.spec.ports, 'gateway Service ports').targetPort)).toBe(o.proxyPort);
    // SIGTERM: readiness fails for --shutdown-delay, then requests drain for up to
    // --drain-timeout; the kubelet must not SIGKILL before both are over.
    expect(o.shutdownDelay).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan((o.shutdownDelay as number) + (o.drainTimeout as number));
    expect(o.redis, 'Redis is an opt-in component').toBeUndefined();
    hardened(spec, c);
    disruptionBudget(d);
  });
});

describe('overlays', () => {
  it('an overlay changes the image and adds Redis (config/components/redis) as the CLI reads it', async () => {
    const dir = await mkdtemp(join(env.cp.dir, 'overlay-'));
    try {
      // Relative paths: kustomize refuses absolute ones.
      await writeFile(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          `resources: [${relative(dir, join(config, 'default'))}]`,
          `components: [${relative(dir, join(config, 'components', 'redis'))}]`,
          'images:',
          '  - name: ghcr.io/tollgate-dev/tollgate',
          '    newName: registry.example.com/tollgate',
          '    newTag: 0.1.1',
          '',
        ].join('\n'),
      );
      const overlay = await kustomize(env.cp, dir);
      const deployments = overlay.objects.filter((o): o is Deployment => o.kind === 'Deployment');
      expect(deployments.map((x) => x.spec.template.spec.containers[0]!.image)).toEqual([
        'registry.example.com/tollgate:0.1.1',
        'registry.example.com/tollgate:0.1.1',
      ]);
      const gw = deployments.find((x) => x.metadata.name === 'tollgate-gateway')!;
      const redisUrl = 'redis://:s3cret@redis.example:6379';
      const { options } = await parsedArgs(gw, { 'tollgate-redis/url': redisUrl });
      expect(options.redis).toBe(redisUrl);
      // The operator is untouched, and the API server takes the changed gateway.
      expect((await parsedArgs(deployments.find((x) => x.metadata.name === 'tollgate-operator')!)).options.redis).toBeUndefined();
      const r = await env.cp.kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', '-'], { input: JSON.stringify(gw) });
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The name operator/tokens/secret-signing-keys.ts gives the signing-keys Secret (run-operator passes none). */
function signingKeysSecret(): string {
  return new SecretSigningKeys({} as CoreV1Api, { namespace: OPERATOR_NAMESPACE, policy: DEFAULT_POLICY }).name;
}

function hardened(spec: PodSpec, c: Container): void {
  expect(spec.securityContext?.runAsNonRoot).toBe(true);
  expect(c.securityContext).toMatchObject({
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  for (const r of ['cpu', 'memory']) {
    expect(c.resources?.requests?.[r], `${c.name} requests ${r}`).toBeDefined();
    expect(c.resources?.limits?.[r], `${c.name} limits ${r}`).toBeDefined();
  }
}

function disruptionBudget(d: Deployment): void {
  type Pdb = Obj & { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number } };
  const pdbs = objects.filter(
    (o): o is Pdb =>
      o.kind === 'PodDisruptionBudget' &&
      o.metadata.namespace === d.metadata.namespace &&
      JSON.stringify((o as Pdb).spec.selector.matchLabels) === JSON.stringify(d.spec.selector.matchLabels),
  );
  const pdb = only(pdbs, `the PodDisruptionBudget of ${d.metadata.name}`);
  // It leaves one replica standing and still lets a node drain.
  const allowed = pdb.spec.maxUnavailable ?? (d.spec.replicas ?? 1) - (pdb.spec.minAvailable ?? 0);
  expect(allowed).toBeGreaterThanOrEqual(1);
  expect(allowed).toBeLessThan(d.spec.replicas ?? 1);
}
