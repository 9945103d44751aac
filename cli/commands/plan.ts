import { Command, Option } from 'commander';
import { compile } from '../../operator/compiler/compile.ts';
import { formatDiagnostic } from '../../operator/loader/diagnostic.ts';
import { loadPaths } from '../../operator/loader/load.ts';
import { OpenApiStage } from '../../operator/openapi/openapi-stage.ts';
import { buildPlan } from '../../operator/plan/build-plan.ts';
import { renderPlan } from '../../operator/plan/render-plan.ts';
import type { Resources } from '../../operator/resources/types.ts';
import { addKubeFlags, type KubeFlags } from '../cluster/kube-flags.ts';
import { maxFileBytesOption } from './max-file-bytes-option.ts';

type Options = KubeFlags & { output: string; maxFileBytes: number };

/** The objects to plan, and the problems to name on stderr (the plan is shown for what loads). */
async function load(paths: string[], opts: Options): Promise<{ resources: Resources; problems: string[]; failed: boolean }> {
  if (!paths.length) {
    const read = await (await import('../cluster/cluster-resources.ts')).readClusterFor(opts);
    return { resources: read.resources, problems: read.unreadable.map((why) => `warning NamespaceUnreadable: ${why}`), failed: false };
  }
  const loaded = loadPaths(paths, { defaultNamespace: opts.namespace ?? 'default', maxFileBytes: opts.maxFileBytes });
  loaded.resources.openApi = await new OpenApiStage({ files: true, maxFileBytes: opts.maxFileBytes }).documents(loaded.resources.apis);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  return { resources: loaded.resources, problems: errors, failed: errors.length > 0 };
}

export function registerPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description('show the effective route table and which application may call which operations, of YAML or (without paths) of the cluster')
    .argument('[paths...]', 'files or directories of YAML (none: read the cluster of the kubeconfig context)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-n, --namespace <name>', "namespace of objects that name none; in a cluster the namespace to read (default: the context's)")
    .addOption(maxFileBytesOption());
  addKubeFlags(cmd).action(async (paths: string[], opts: Options) => {
    const { resources, problems, failed } = await load(paths, opts);
    for (const p of problems) process.stderr.write(p + '\n');
    const plan = buildPlan(resources, compile(resources, { now: new Date() }));
    process.stdout.write(opts.output === 'json' ? JSON.stringify(plan, null, 2) + '\n' : renderPlan(plan));
    process.exitCode = failed ? 1 : 0;
  });
}
