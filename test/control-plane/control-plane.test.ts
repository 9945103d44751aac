// Smoke tests of the CRDs against a real kube-apiserver + etcd, through the real kubectl.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { pinnedKubernetesVersion, repoRoot } from './binaries.ts';
import { apiWithBadContext, apiWithSunsetButPublished, validObjects } from './fixtures.ts';
import { useControlPlane } from './vitest-hooks.ts';

const env = useControlPlane();
const kinds = ['apis', 'apiproducts', 'applications', 'subscriptions'];

/**
 * Splits `kubectl get` output for several kinds into one table per kind. Cells
 * are cut at the header's column starts, since empty cells leave no other trace.
 */
function tables(output: string): { header: string[]; rows: string[][] }[] {
  return output
    .trim()
    .split(/\n\s*\n/)
    .map((block) => {
      const [head = '', ...rows] = block.split('\n');
      // Headers such as DISPLAY NAME hold one space; columns are two or more apart.
      const starts = [...head.matchAll(/(?:^|\s{2,})(\S)/g)].map((m) => m.index + m[0].length - 1);
      const cut = (line: string): string[] => starts.map((start, i) => line.slice(start, starts[i + 1] ?? line.length).trim());
      return { header: cut(head), rows: rows.map(cut) };
    });
}

/** kind/namespace/name of every tollgate.dev object in the YAML files under dir. */
function tollgateObjectsIn(dir: string): string[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJS())
      .filter((o) => typeof o?.apiVersion === 'string' && o.apiVersion.startsWith('tollgate.dev/'))
      .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
  );
}

describe('control plane', () => {
  it('runs the pinned Kubernetes release, reported by the real kubectl', async () => {
    const version = JSON.parse(await env.cp.kubectlOk(['version', '-o', 'json']));
    expect(version.serverVersion.gitVersion).toBe(version.clientVersion.gitVersion);
    if (!process.env.KUBEBUILDER_ASSETS) expect(version.serverVersion.gitVersion).toBe(pinnedKubernetesVersion());
    expect(env.cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('installs the four CRDs, established, in the tollgate category', async () => {
    const list = JSON.parse(await env.cp.kubectlOk(['get', 'crd', '-o', 'json']));
    const crds = new Map<string, any>(list.items.map((c: any) => [c.metadata.name, c]));
    for (const kind of kinds) {
      const crd = crds.get(`${kind}.tollgate.dev`);
      expect(crd, `${kind}.tollgate.dev`).toBeDefined();
      const established = crd.status.conditions.find((c: any) => c.type === 'Established');
      expect(established?.status).toBe('True');
      expect(crd.spec.names.categories).toContain('tollgate');
    }
  });
});

describe('CRDs', () => {
  it('accept valid objects of every kind and apply the schema defaults', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: validObjects });
    const api = JSON.parse(await env.cp.kubectlOk(['get', 'api', 'hello', '-n', ns, '-o', 'json']));
    // Defaults come from the structural schema, so this shows the server used it.
    expect(api.spec.lifecycle).toBe('Published');
    expect(api.spec.upstream.timeout).toBe('30s');
    const app = JSON.parse(await env.cp.kubectlOk(['get', 'application', 'hello-app', '-n', ns, '-o', 'json']));
    expect(app.spec.credentials).toEqual([{ name: 'default', revoked: false }]);
  });

  it('accept everything under examples/, as `kubectl apply` gives it', async () => {
    const examples = join(repoRoot, 'examples');
    const expected = tollgateObjectsIn(examples).sort();
    expect(expected.length).toBeGreaterThan(0);
    // The examples name their own namespaces, which have to exist first.
    await env.cp.kubectlOk(['apply', '-f', join(examples, 'namespaces.yaml')]);
    await env.cp.kubectlOk(['apply', '--recursive', '-f', examples]);
    const namespaces = new Set(expected.map((id) => id.split('/')[1]));
    const list = JSON.parse(await env.cp.kubectlOk(['get', 'tollgate', '--all-namespaces', '-o', 'json']));
    const applied = list.items
      .filter((o: any) => namespaces.has(o.metadata.namespace))
      .map((o: any) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(applied).toEqual(expected);
  });

  it('refuse an object that breaks the schema, naming the field', async () => {
    const ns = env.namespace;
    const r = await env.cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: apiWithBadContext });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is invalid');
    expect(r.stderr).toContain('spec.context');
    expect(r.stderr).toContain('should match');
    const get = await env.cp.kubectl(['get', 'api', 'bad-context', '-n', ns]);
    expect(get.stderr).toContain('NotFound');
  });

  it('refuse an object that breaks a CEL rule, naming the field', async () => {
    const ns = env.namespace;
    const r = await env.cp.kubectl(['apply', '-n', ns, '-f', '-'], { input: apiWithSunsetButPublished });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.sunset');
    expect(r.stderr).toContain('sunset is only meaningful for a Deprecated or Retired API');
  });

  it('list all four kinds with their printer columns under `kubectl get tollgate`', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: validObjects });
    const out = await env.cp.kubectlOk(['get', 'tollgate', '-n', ns]);
    const byName = new Map(tables(out).map((t) => [t.rows[0]?.[0], t]));
    expect([...byName.keys()].sort(byCodeUnits)).toEqual([
      'api.tollgate.dev/hello',
      'apiproduct.tollgate.dev/hello-product',
      'application.tollgate.dev/hello-app',
      'subscription.tollgate.dev/hello-sub',
    ]);
    const api = byName.get('api.tollgate.dev/hello')!;
    expect(api.header).toEqual(['NAME', 'CONTEXT', 'VERSION', 'DEFAULT', 'LIFECYCLE', 'ACCEPTED', 'PROGRAMMED', 'AGE']);
    expect(api.rows[0]!.slice(1, 5)).toEqual(['/hello', 'v1', 'false', 'Published']);
    const product = byName.get('apiproduct.tollgate.dev/hello-product')!;
    expect(product.header).toEqual(['NAME', 'DISPLAY NAME', 'ACCESS', 'APPROVAL', 'ACCEPTED', 'PROGRAMMED', 'AGE']);
    expect(product.rows[0]!.slice(1, 4)).toEqual(['Hello product', 'public', 'auto']);
    const app = byName.get('application.tollgate.dev/hello-app')!;
    expect(app.header).toEqual(['NAME', 'DISPLAY NAME', 'OWNER', 'SUSPENDED', 'ACCEPTED', 'PROGRAMMED', 'AGE']);
    expect(app.rows[0]!.slice(1, 4)).toEqual(['', 'dev@example.com', 'false']);
    const sub = byName.get('subscription.tollgate.dev/hello-sub')!;
    expect(sub.header).toEqual(['NAME', 'APPLICATION', 'PRODUCT', 'PLAN', 'PHASE', 'PROGRAMMED', 'AGE']);
    expect(sub.rows[0]!.slice(1, 3)).toEqual(['hello-app', 'hello-product']);
  });

  it('take status through the status subresource only', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: validObjects });
    const status = JSON.stringify({ status: { phase: 'Active', plan: 'gold' } });
    // Through the main resource the status is dropped, which is what makes the subresource matter.
    await env.cp.kubectlOk(['patch', 'subscription', 'hello-sub', '-n', ns, '--type=merge', '-p', status]);
    const before = JSON.parse(await env.cp.kubectlOk(['get', 'subscription', 'hello-sub', '-n', ns, '-o', 'json']));
    expect(before.status?.phase).toBeUndefined();

    await env.cp.kubectlOk(['patch', 'subscription', 'hello-sub', '-n', ns, '--subresource=status', '--type=merge', '-p', status]);
    const after = JSON.parse(await env.cp.kubectlOk(['get', 'subscription', 'hello-sub', '-n', ns, '-o', 'json']));
    expect(after.status).toMatchObject({ phase: 'Active', plan: 'gold' });
    // A status write does not bump the spec's generation.
    expect(after.metadata.generation).toBe(before.metadata.generation);
    const [table] = tables(await env.cp.kubectlOk(['get', 'subscription', 'hello-sub', '-n', ns]));
    expect(table!.header.slice(3, 5)).toEqual(['PLAN', 'PHASE']);
    expect(table!.rows[0]!.slice(3, 5)).toEqual(['gold', 'Active']);
  });
});

describe('RBAC', () => {
  it('refuses a user with no role, and admits them once bound to one', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: validObjects });
    const denied = await env.cp.kubectl(['get', 'apis', '-n', ns, '--as=alice']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('Forbidden');
    expect(denied.stderr).toContain('User "alice" cannot list resource "apis" in API group "tollgate.dev"');

    // The same call succeeds once RBAC says so: the refusal above was RBAC's, not a broken setup.
    await env.cp.kubectlOk(['create', 'role', 'api-reader', '-n', ns, '--verb=get,list', '--resource=apis.tollgate.dev']);
    await env.cp.kubectlOk(['create', 'rolebinding', 'alice-reads-apis', '-n', ns, '--role=api-reader', '--user=alice']);
    const allowed = await env.cp.kubectlOk(['get', 'apis', '-n', ns, '--as=alice', '-o', 'name']);
    expect(allowed.trim()).toBe('api.tollgate.dev/hello');
  });
});

function byCodeUnits(a: string | undefined, b: string | undefined): number {
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}
