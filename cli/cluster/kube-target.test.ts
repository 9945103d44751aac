import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeTargetError, type KubeFlags } from './kube-flags.ts';
import { kubeTarget } from './kube-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'kube-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
  - { name: c, cluster: { server: "https://127.0.0.1:6443" } }
users:
  - { name: u, user: { token: t } }
contexts:
  - { name: team, context: { cluster: c, user: u, namespace: team-a } }
  - { name: bare, context: { cluster: c, user: u } }
  - { name: lost, context: { cluster: nowhere, user: u } }
current-context: team
`,
);

describe('kubeTarget', () => {
  it.each<{ name: string; flags: KubeFlags; context: string; namespace: string | undefined }>([
    { name: "the current context's namespace", flags: {}, context: 'team', namespace: 'team-a' },
    { name: '-n wins over the context', flags: { namespace: 'team-b' }, context: 'team', namespace: 'team-b' },
    { name: 'a context without a namespace reads default', flags: { context: 'bare' }, context: 'bare', namespace: 'default' },
    { name: '-A reads every namespace', flags: { allNamespaces: true, namespace: 'x' }, context: 'team', namespace: undefined },
  ])('$name', ({ flags, context, namespace }) => {
    const t = kubeTarget({ kubeconfig, ...flags });
    expect(t.context).toBe(context);
    expect(t.namespace).toBe(namespace);
    expect(t.kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it.each([
    {
      name: 'an unknown context',
      flags: { kubeconfig, context: 'nope' },
      code: 'UnknownContext',
      message: /no context nope in the kubeconfig \(it has team, bare, lost\)/,
    },
    { name: 'a context without its cluster', flags: { kubeconfig, context: 'lost' }, code: 'NoCluster', message: /context lost names no cluster/ },
    {
      name: 'a kubeconfig that is not there',
      flags: { kubeconfig: join(dir, 'missing') },
      code: 'KubeconfigUnreadable',
      message: /cannot read the kubeconfig/,
    },
  ])('refuses $name with a clear error', ({ flags, code, message }) => {
    let err: unknown;
    try {
      kubeTarget(flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeTargetError);
    expect((err as KubeTargetError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
  });
});
