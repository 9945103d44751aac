// Helm as the chart's tests run it: the binary test/control-plane/build.sh builds
// from the Go module proxy, against a control plane's kubeconfig, with its own
// cache and config directories so nothing from the machine's ~/.config/helm leaks in.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findTool, repoRoot } from '../../control-plane/binaries.ts';
import type { Obj } from './manifests.ts';

export const chartDir = join(repoRoot, 'charts', 'tollgate');

export type HelmResult = { code: number; stdout: string; stderr: string };

export type Helm = {
  run: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<HelmResult>;
  ok: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<string>;
};

/** A Helm whose state (repositories, cache, plugins) lives under `dir`; with `kubeconfig`, it talks to that cluster. */
export function helmIn(dir: string, kubeconfig?: string): Helm {
  const bin = findTool('helm');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: dir };
  for (const [k, sub] of [
    ['HELM_CACHE_HOME', 'cache'],
    ['HELM_CONFIG_HOME', 'config'],
    ['HELM_DATA_HOME', 'data'],
  ] as const) {
    env[k] = join(dir, sub);
    mkdirSync(env[k], { recursive: true });
  }
  if (kubeconfig) env.KUBECONFIG = kubeconfig;
  const run: Helm['run'] = (args, opts) =>
    new Promise((resolve) => {
      const child = execFile(bin, args, { env, timeout: opts?.timeoutMs ?? 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
      child.stdin!.on('error', () => {});
      if (opts?.input !== undefined) child.stdin!.end(opts.input);
    });
  return {
    run,
    ok: async (args, opts) => {
      const r = await run(args, opts);
      if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
  };
}

/** Every document of a multi-document YAML stream, empty ones dropped. */
export function yamlObjects(yaml: string): Obj[] {
  return parseAllDocuments(yaml)
    .map((d) => {
      if (d.errors.length) throw d.errors[0];
      return d.toJS() as Obj | null;
    })
    .filter((o): o is Obj => o !== null);
}
