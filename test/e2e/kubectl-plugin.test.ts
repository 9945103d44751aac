// `kubectl tollgate`: the CLI as a kubectl plugin (bin/kubectl-tollgate), found
// by the real kubectl on PATH as any plugin is, reading the cluster of the
// kubeconfig context (a real kube-apiserver, with the operator writing status
// and Secrets) when it is given no directory.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinaries, repoRoot } from '../control-plane/binaries.ts';
import { useControlPlane } from '../control-plane/vitest-hooks.ts';
import { until } from '../support/wait.ts';
import { helloEstate } from './support/hello-estate.ts';
import { startInProcess, type InProcess } from './support/in-process.ts';
import { consumerKey } from './support/kube.ts';

type Run = { code: number; stdout: string; stderr: string };

const env = useControlPlane();
const home = mkdtempSync(join(tmpdir(), 'kubectl-tollgate-home-'));
let harness: InProcess | undefined;

beforeAll(async () => {
  harness = await startInProcess({ kubeconfig: env.cp.kubeconfigPath, leaseNamespace: 'default', logger: pino({ level: 'silent' }) });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  rmSync(home, { recursive: true, force: true });
});

/** The real kubectl with bin/ on PATH; KUBECONFIG as given (null: no kubeconfig at all, HOME has none either). */
function kubectl(args: string[], kubeconfig: string | null = env.cp.kubeconfigPath): Promise<Run> {
  const { KUBECONFIG: _, ...rest } = process.env;
  const e = { ...rest, HOME: home, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH ?? ''}`, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) };
  return new Promise((resolve) => {
    execFile(findBinaries().kubectl, args, { env: e, timeout: 60_000, cwd: home }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const objects = (ns: string) => helloEstate(ns, { upstream: 'http://127.0.0.1:9', version: 'v1', paths: false });

const broken = (ns: string) =>
  `apiVersion: tollgate.dev/v1alpha1\nkind: APIProduct\nmetadata: { name: broken, namespace: ${ns} }\nspec:\n  operations: [{ api: nope }]\n`;

describe('kubectl tollgate', () => {
  it('is a plugin kubectl finds, and runs the CLI on a directory', async () => {
    const list = await kubectl(['plugin', 'list']);
    expect(list.stdout).toContain(join(repoRoot, 'bin', 'kubectl-tollgate'));
    const version = await kubectl(['tollgate', '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const valid = await kubectl(['tollgate', 'validate', join(repoRoot, 'examples', 'hello-world')]);
    expect(valid.code, valid.stderr).toBe(0);
    const bad = await kubectl(['tollgate', 'validate', join(repoRoot, 'no-such-dir')]);
    expect(bad.code).not.toBe(0);
  }, 60_000);

  it('validate and plan read the namespace of the cluster without a directory', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const ok = await kubectl(['tollgate', 'validate', '-n', ns]);
    expect(ok.stdout).toContain('0 error(s), 0 warning(s)');
    expect(ok.code, ok.stderr).toBe(0);

    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken(ns) });
    const bad = await kubectl(['tollgate', 'validate', '-n', ns]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`error RefNotFound: APIProduct ${ns}/broken: spec.operations[0].api: API ${ns}/nope not found`);
    expect(bad.stdout).toContain('1 error(s)');

    const plan = await kubectl(['tollgate', 'plan', '-n', ns, '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`/hello-${ns}/v1`);
    expect(plan.stdout).toContain(`${ns}/greetings`);
    // Another namespace holds none of these.
    const other = await kubectl(['tollgate', 'plan', '-n', 'default']);
    expect(other.stdout).not.toContain(`/hello-${ns}/v1`);
  }, 60_000);

  it('reads the product a subscription names in another namespace, and reports only the namespace asked for', async () => {
    await env.cp.kubectlOk(['create', 'namespace', 'platform']);
    await env.cp.kubectlOk(['create', 'namespace', 'greetings']);
    await env.cp.kubectlOk(['apply', '-f', join(repoRoot, 'examples', 'hello-world')]);
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken('platform') });
    const greetings = await kubectl(['tollgate', 'validate', '-n', 'greetings']);
    expect(greetings.stdout).toBe('0 error(s), 0 warning(s)\n');
    expect(greetings.code, greetings.stderr).toBe(0);
    const platform = await kubectl(['tollgate', 'validate', '-n', 'platform']);
    expect(platform.stdout).toContain('error RefNotFound: APIProduct platform/broken');
    const all = await kubectl(['tollgate', 'plan', '-A']);
    expect(all.stdout).toContain('/hello/1.0.0');
  }, 60_000);

  it('reads the namespace and context as kubectl does, and says plainly when there is no cluster to read', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: broken(ns) });
    // A kubeconfig whose context names the namespace: no -n needed.
    const kubeconfig = join(home, `kubeconfig-${ns}`);
    writeFileSync(kubeconfig, await env.cp.kubectlOk(['config', 'view', '--raw', '--flatten', '-o', 'yaml']));
    await env.cp.kubectlOk([`--kubeconfig=${kubeconfig}`, 'config', 'set-context', '--current', `--namespace=${ns}`]);
    const inContext = await kubectl(['tollgate', 'validate'], kubeconfig);
    expect(inContext.stdout).toContain(`APIProduct ${ns}/broken`);
    const unknown = await kubectl(['tollgate', 'validate', '--context', 'no-such-context'], kubeconfig);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error UnknownContext: no context no-such-context in the kubeconfig/);
    const none = await kubectl(['tollgate', 'plan'], null);
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('error NoKubeconfig: no kubeconfig: set KUBECONFIG, pass --kubeconfig, or give a directory of YAML to read instead');
  }, 60_000);

  it('credentials lists what the operator reports without a key, and shows the key only with --reveal', async () => {
    const ns = env.namespace;
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: objects(ns) });
    const key = await consumerKey(env.cp, ns, 'greetings.default');
    const secret = Buffer.from(
      await env.cp.kubectlOk(['get', 'secret', 'greetings.default', '-n', ns, '-o', 'jsonpath={.data.consumerSecret}']),
      'base64',
    ).toString();
    const { value: listed } = await until('an Active credential in the status', async () => {
      const r = await kubectl(['tollgate', 'credentials', 'greetings', '-n', ns]);
      return /^default\s+\S+\s+Active\s/m.test(r.stdout) ? r : undefined;
    });
    expect(listed.stdout).toContain(key.slice(0, 8));
    for (const hidden of [key, secret]) expect(listed.stdout + listed.stderr).not.toContain(hidden);
    const same = await kubectl(['tollgate', 'credentials', 'list', `${ns}/greetings`]);
    expect(same.stdout).toBe(listed.stdout);

    const shown = await kubectl(['tollgate', 'credentials', 'show', 'greetings', 'default', '-n', ns]);
    expect(shown.stdout).toMatch(new RegExp(`^${ns}/greetings default: Active, key `));
    expect(shown.stdout).not.toContain(key);
    const revealed = await kubectl(['tollgate', 'credentials', 'show', 'greetings', 'default', '-n', ns, '--reveal']);
    expect(revealed.code, revealed.stderr).toBe(0);
    expect(revealed.stdout).toContain(`consumer key:    ${key}\nconsumer secret: ${secret}\n`);

    const missing = await kubectl(['tollgate', 'credentials', 'nobody', '-n', ns]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`error NotFound: no Application ${ns}/nobody in context ${await currentContext()}`);
  }, 90_000);
});

async function currentContext(): Promise<string> {
  return (await env.cp.kubectlOk(['config', 'current-context'])).trim();
}
